package pooltag.linux.ring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One event's {@code format} file: name, id, fields. Immutable; parsed once per session. Field offsets are from the
 * start of the record payload (where {@code common_type} sits).
 */
public record EventFormat(String system, String name, int id, Map<String, Field> fields) {

    /**
     * @param dataLoc {@code __data_loc}: the field is a u32 with the payload offset of the data in its low 16 bits and
     *                the length (with NUL) in the high 16 bits
     * @param relLoc  {@code __rel_loc}: as dataLoc, but the offset counts from the end of this field
     */
    public record Field(String name, String type, int offset, int size, boolean signed, boolean dataLoc,
                        boolean relLoc) {
    }

    /**
     * Largest field end (offset + size) in bytes: nothing in a page lies beyond the largest page
     * ({@link HeaderPage#MAX_PAGE_SIZE}; header_page's {@code data} field spans the page), and the bound keeps
     * offset sums far from overflow.
     */
    public static final int MAX_FIELD_END = HeaderPage.MAX_PAGE_SIZE;
    /** Most fields one format may declare (the kernel's have about a dozen). */
    public static final int MAX_FIELDS = 512;

    public Field field(String fieldName) {
        return fields.get(fieldName);
    }

    /** The field or a clear error when this kernel's format lacks it. */
    public Field require(String fieldName) {
        Field f = fields.get(fieldName);
        if (f == null) {
            throw new DecodeException(system + "/" + name + "/format", 0, "no field '" + fieldName + "'");
        }
        return f;
    }

    public static EventFormat parse(String system, String text, String where) {
        String name = null;
        int id = -1;
        for (String line : text.split("\n")) {
            if (line.startsWith("name:")) {
                name = line.substring(5).trim();
            } else if (line.startsWith("ID:")) {
                try {
                    id = Integer.parseInt(line.substring(3).trim());
                } catch (NumberFormatException e) {
                    throw new DecodeException(where, 0, "bad ID line '" + line + "'");
                }
            }
        }
        if (name == null || id < 0 || id > 0xffff) {
            throw new DecodeException(where, 0, "format lacks a name or a valid ID (0..65535)");
        }
        Map<String, Field> fields = new LinkedHashMap<>();
        for (Field f : parseFields(text, where)) {
            fields.put(f.name(), f);
        }
        return new EventFormat(system, name, id, Map.copyOf(fields));
    }

    /** Parses the {@code field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;} lines of a format or header_page file. */
    static List<Field> parseFields(String text, String where) {
        List<Field> out = new ArrayList<>();
        int lineNo = 0;
        for (String raw : text.split("\n")) {
            lineNo++;
            String line = raw.trim();
            if (!line.startsWith("field:")) {
                continue;
            }
            String[] parts = line.split(";");
            if (parts.length < 3) {
                throw new DecodeException(where, 0, "line " + lineNo + ": malformed field line");
            }
            String decl = parts[0].substring("field:".length()).trim();
            int offset = -1, size = -1;
            boolean signed = false;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim();
                try {
                    if (p.startsWith("offset:")) {
                        offset = Integer.parseInt(p.substring(7).trim());
                    } else if (p.startsWith("size:")) {
                        size = Integer.parseInt(p.substring(5).trim());
                    } else if (p.startsWith("signed:")) {
                        signed = Integer.parseInt(p.substring(7).trim()) != 0;
                    }
                } catch (NumberFormatException e) {
                    throw new DecodeException(where, 0, "line " + lineNo + ": bad number in '" + p + "'");
                }
            }
            if (offset < 0 || size < 0) {
                throw new DecodeException(where, 0, "line " + lineNo + ": field without offset or size");
            }
            if (offset > MAX_FIELD_END || size > MAX_FIELD_END - offset) {
                // A record lives inside one page; a field beyond 64 KiB cannot exist and would overflow offset sums.
                throw new DecodeException(where, 0, "line " + lineNo + ": field at " + offset + " of " + size
                        + " bytes ends beyond " + MAX_FIELD_END);
            }
            if (out.size() >= MAX_FIELDS) {
                throw new DecodeException(where, 0, "line " + lineNo + ": more than " + MAX_FIELDS + " fields");
            }
            int sp = decl.lastIndexOf(' ');
            String type = sp < 0 ? "" : decl.substring(0, sp).trim();
            String fname = sp < 0 ? decl : decl.substring(sp + 1);
            int br = fname.indexOf('[');
            if (br >= 0) {
                fname = fname.substring(0, br);
            }
            out.add(new Field(fname, type, offset, size, signed, type.startsWith("__data_loc"),
                    type.startsWith("__rel_loc")));
        }
        return out;
    }
}
