package pooltag.linux.procfs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.error.PooltagException;

/**
 * Parses {@code /proc/vmallocinfo} into usage per caller. A line is
 * {@code 0xSTART-0xEND SIZE [CALLER+0xOFF/0xLEN] [pages=N] [phys=..] [ioremap|vmalloc|vmap|user|vpages|vm_map_ram] [N0=..]}
 * (addresses are hashed for non-root or with kptr_restrict). The caller is printed with {@code %pS}: a symbol and
 * offset, or, when kallsyms has no name for it (a module since unloaded, a BPF program), the bare address
 * {@code 0xffffffffc0a1b2c3}; either is the caller, the tag's name (a bare address is a raw kernel address: the
 * views mask it, {@code pooltag.engine.publish.AddressPolicy}). Lines with no caller ({@code unpurged vm_area},
 * {@code vm_map_ram}) are grouped under their own words.
 */
public final class VmallocinfoParser {
    /** Areas and bytes for one caller; {@code kinds} lists the area types seen (vmalloc, ioremap, ...). */
    public record Caller(String caller, long areas, long bytes, String kinds) {
    }

    /** The area types a line may name after its caller; the last one named is the line's. */
    private static final String[] KINDS = {"vmalloc", "ioremap", "vmap", "user", "vpages", "vm_map_ram"};

    private VmallocinfoParser() {
    }

    public static List<Caller> parse(String text, String source) {
        Map<String, long[]> sums = new LinkedHashMap<>();
        Map<String, StringBuilder> kinds = new LinkedHashMap<>();
        TextLines f = new TextLines(text);
        int lineNo = 0;
        while (f.nextLine()) {
            lineNo++;
            if (f.lineIsBlank()) {
                continue;
            }
            f.split();
            if (f.count() < 2 || !f.fieldStartsWith(0, "0x") || f.fieldIndexOf(0, '-') < 0) {
                throw new PooltagException(source + ":" + lineNo + ": not a vmallocinfo line '"
                        + SlabinfoParser.abbreviate(f.line()) + "' (expected 0xSTART-0xEND SIZE CALLER ...)");
            }
            long size;
            try {
                size = f.number(1);
            } catch (NumberFormatException e) {
                throw new PooltagException(source + ":" + lineNo + ": size '" + f.field(1) + "' is not a number");
            }
            String caller;
            String kind = "";
            int plus = f.count() >= 3 ? f.fieldIndexOf(2, '+') : -1;
            // a caller without a symbol is its bare address: the caller still (one tag per caller, whatever its
            // pages= and kind), not words to group under (that made one tag per pages count)
            boolean bareAddress = plus < 0 && f.count() >= 3 && f.fieldStartsWith(2, "0x");
            if (plus > 0 || bareAddress) {
                caller = bareAddress ? f.field(2) : f.fieldPrefix(2, plus);
                for (int i = 3; i < f.count(); i++) {
                    for (String k : KINDS) {
                        if (f.fieldIs(i, k)) {
                            kind = k;
                        }
                    }
                }
            } else {
                // "unpurged vm_area", "vm_map_ram": no symbol to attribute to.
                StringBuilder sb = new StringBuilder();
                for (int i = 2; i < f.count(); i++) {
                    if (sb.length() > 0) {
                        sb.append('_');
                    }
                    sb.append(f.field(i));
                }
                caller = sb.length() == 0 ? "unknown" : sb.toString();
            }
            long[] s = sums.computeIfAbsent(caller, k -> new long[2]);
            s[0]++;
            s[1] += size;
            if (!kind.isEmpty()) {
                StringBuilder k = kinds.computeIfAbsent(caller, x -> new StringBuilder());
                if (k.indexOf(kind) < 0) {
                    if (k.length() > 0) {
                        k.append(',');
                    }
                    k.append(kind);
                }
            }
        }
        return sums.entrySet().stream()
                .map(e -> new Caller(e.getKey(), e.getValue()[0], e.getValue()[1],
                        kinds.getOrDefault(e.getKey(), new StringBuilder()).toString()))
                .toList();
    }
}
