package pooltag.linux.procfs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.error.PooltagException;

/**
 * Parses {@code /proc/vmallocinfo} into usage per caller. A line is
 * {@code 0xSTART-0xEND SIZE [CALLER+0xOFF/0xLEN] [pages=N] [phys=..] [ioremap|vmalloc|vmap|user|vpages|vm_map_ram] [N0=..]}
 * (addresses are hashed for non-root or with kptr_restrict; the caller is a symbol and is fine). Lines with no
 * caller ({@code unpurged vm_area}, {@code vm_map_ram}) are grouped under their own words.
 */
public final class VmallocinfoParser {
    /** Areas and bytes for one caller; {@code kinds} lists the area types seen (vmalloc, ioremap, ...). */
    public record Caller(String caller, long areas, long bytes, String kinds) {
    }

    private VmallocinfoParser() {
    }

    public static List<Caller> parse(String text, String source) {
        Map<String, long[]> sums = new LinkedHashMap<>();
        Map<String, StringBuilder> kinds = new LinkedHashMap<>();
        int lineNo = 0;
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            String line = nl < 0 ? text.substring(pos) : text.substring(pos, nl);
            pos = nl < 0 ? text.length() : nl + 1;
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = SlabinfoParser.fields(line);
            if (f.length < 2 || !f[0].startsWith("0x") || f[0].indexOf('-') < 0) {
                throw new PooltagException(source + ":" + lineNo + ": not a vmallocinfo line '"
                        + SlabinfoParser.abbreviate(line) + "' (expected 0xSTART-0xEND SIZE CALLER ...)");
            }
            long size;
            try {
                size = Long.parseLong(f[1]);
            } catch (NumberFormatException e) {
                throw new PooltagException(source + ":" + lineNo + ": size '" + f[1] + "' is not a number");
            }
            String caller;
            String kind = "";
            if (f.length >= 3 && f[2].indexOf('+') > 0) {
                caller = f[2].substring(0, f[2].indexOf('+'));
                for (int i = 3; i < f.length; i++) {
                    switch (f[i]) {
                        case "vmalloc", "ioremap", "vmap", "user", "vpages", "vm_map_ram" -> kind = f[i];
                        default -> { }
                    }
                }
            } else {
                // "unpurged vm_area", "vm_map_ram": no symbol to attribute to.
                StringBuilder sb = new StringBuilder();
                for (int i = 2; i < f.length; i++) {
                    if (sb.length() > 0) {
                        sb.append('_');
                    }
                    sb.append(f[i]);
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
