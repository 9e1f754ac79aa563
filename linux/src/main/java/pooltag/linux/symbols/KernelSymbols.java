package pooltag.linux.symbols;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.error.PooltagException;

/**
 * Kernel text symbols from {@code /proc/kallsyms} (and module sizes from {@code /proc/modules}), for turning
 * addresses into {@code symbol+0xoff [module]}. Immutable; {@link #load()} again to pick up loaded modules.
 *
 * <p>Storage: parallel sorted primitive arrays (start address, name index, module index) searched by binary search;
 * a symbol ends where the next higher one starts (or at its module's end). Kernel addresses are a KASLR leak:
 * {@link #format(long)} never prints a raw address; {@link #format(long, boolean)} does only when asked.
 */
public final class KernelSymbols {
    private final long[] starts;       // sorted, unsigned order == signed order for kernel addresses (all negative)
    private final long[] ends;         // exclusive
    private final String[] names;
    private final String[] modules;    // null for the core kernel
    private final Map<String, Integer> byName;
    private final int totalLines;

    private KernelSymbols(long[] starts, long[] ends, String[] names, String[] modules, int totalLines) {
        this.starts = starts;
        this.ends = ends;
        this.names = names;
        this.modules = modules;
        this.totalLines = totalLines;
        Map<String, Integer> m = new HashMap<>(names.length * 2);
        for (int i = 0; i < names.length; i++) {
            m.putIfAbsent(names[i], i);
        }
        this.byName = m;
    }

    /** Loads this machine's symbols. */
    public static KernelSymbols load() {
        Path kallsyms = Path.of("/proc/kallsyms");
        Path modules = Path.of("/proc/modules");
        try {
            String ks = pooltag.linux.tracefs.KernelFiles.readLatin1(kallsyms);
            String mods = Files.isReadable(modules) ? pooltag.linux.tracefs.KernelFiles.readLatin1(modules) : "";
            return parse(ks, mods, kallsyms.toString());
        } catch (IOException e) {
            throw new PooltagException("cannot read " + kallsyms + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses kallsyms text ({@code address type name [module]} per line) and modules text ({@code name size ...
     * address}); keeps text symbols (t, T, w, W). All-zero addresses (kptr_restrict, not root) give zero symbols.
     */
    public static KernelSymbols parse(String kallsyms, String modulesText, String where) {
        Map<String, long[]> moduleRanges = new HashMap<>();
        for (String line : modulesText.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[5].startsWith("0x")) {
                try {
                    long size = Long.parseLong(f[1]);
                    long base = Long.parseUnsignedLong(f[5].substring(2), 16);
                    moduleRanges.put(f[0], new long[] {base, base + size});
                } catch (NumberFormatException ignored) {
                    // a line we do not understand only loses that module's end bound
                }
            }
        }
        int n = 0, lines = 0;
        long[] addr = new long[1 << 16];
        String[] name = new String[1 << 16];
        String[] mod = new String[1 << 16];
        int len = kallsyms.length();
        int pos = 0;
        while (pos < len) {
            int eol = kallsyms.indexOf('\n', pos);
            if (eol < 0) {
                eol = len;
            }
            lines++;
            int s1 = kallsyms.indexOf(' ', pos, eol);
            if (s1 > pos && s1 + 3 < eol && kallsyms.charAt(s1 + 2) == ' ') {
                char type = kallsyms.charAt(s1 + 1);
                if (type == 't' || type == 'T' || type == 'w' || type == 'W') {
                    long a = parseHex(kallsyms, pos, s1);
                    if (a != 0) {
                        int nameStart = s1 + 3;
                        // every search stays within the line: an unbounded one made parsing quadratic
                        int tab = kallsyms.indexOf('\t', nameStart, eol);
                        String m = null;
                        int nameEnd = eol;
                        if (tab >= 0) {
                            nameEnd = tab;
                            int lb = kallsyms.indexOf('[', tab, eol);
                            int rb = lb < 0 ? -1 : kallsyms.indexOf(']', lb, eol);
                            if (lb >= 0 && rb > lb) {
                                m = kallsyms.substring(lb + 1, rb).intern();
                            }
                        }
                        if (n == addr.length) {
                            addr = Arrays.copyOf(addr, n * 2);
                            name = Arrays.copyOf(name, n * 2);
                            mod = Arrays.copyOf(mod, n * 2);
                        }
                        addr[n] = a;
                        name[n] = kallsyms.substring(nameStart, nameEnd);
                        mod[n] = m;
                        n++;
                    }
                }
            }
            pos = eol + 1;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final long[] a0 = addr;
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(a0[x], a0[y]));
        long[] starts = new long[n];
        String[] names = new String[n];
        String[] mods = new String[n];
        for (int i = 0; i < n; i++) {
            starts[i] = addr[order[i]];
            names[i] = name[order[i]];
            mods[i] = mod[order[i]];
        }
        long[] ends = new long[n];
        for (int i = 0; i < n; i++) {
            long end = 0;
            for (int j = i + 1; j < n; j++) {
                if (starts[j] != starts[i]) {
                    end = starts[j];
                    break;
                }
            }
            long[] range = mods[i] == null ? null : moduleRanges.get(mods[i]);
            if (range != null && (end == 0 || Long.compareUnsigned(range[1], end) < 0)
                    && Long.compareUnsigned(range[1], starts[i]) > 0) {
                end = range[1];
            }
            if (end == 0 || Long.compareUnsigned(end - starts[i], 1L << 24) > 0) {
                end = starts[i] + 4096; // the last symbol, or one before a gap: assume at most a page
            }
            ends[i] = end;
        }
        if (n > 0 && !isSortedSigned(starts)) {
            throw new PooltagException(where + ": symbol addresses span the sign bit; not a kernel address map");
        }
        return new KernelSymbols(starts, ends, names, mods, lines);
    }

    private static boolean isSortedSigned(long[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[i - 1]) {
                return false;
            }
        }
        return true;
    }

    private static long parseHex(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) {
                return 0;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** Number of text symbols loaded (0 when kallsyms hides addresses). */
    public int size() {
        return starts.length;
    }

    /** Lines read from kallsyms, of every type. */
    public int linesRead() {
        return totalLines;
    }

    /** Index of the symbol containing {@code address}, or -1. No allocation. */
    public int indexOf(long address) {
        int lo = 0, hi = starts.length - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= address) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0 || address >= ends[found]) {
            return -1;
        }
        return found;
    }

    public String name(int index) {
        return names[index];
    }

    /** The module of a symbol, or null for the core kernel. */
    public String module(int index) {
        return modules[index];
    }

    public long start(int index) {
        return starts[index];
    }

    public long end(int index) {
        return ends[index];
    }

    /** The function name containing {@code address}, or null. */
    public String functionName(long address) {
        int i = indexOf(address);
        return i < 0 ? null : names[i];
    }

    /** {@code name+0xoff} or {@code name+0xoff [module]}; {@code ?} when unknown. Never prints the address. */
    public String format(long address) {
        return format(address, false);
    }

    /** As {@link #format(long)}; with {@code raw}, unknown addresses print as hex and known ones get it appended. */
    public String format(long address, boolean raw) {
        int i = indexOf(address);
        String hex = raw ? "0x" + Long.toHexString(address) : null;
        if (i < 0) {
            return raw ? hex : "?";
        }
        StringBuilder sb = new StringBuilder(names[i]).append("+0x").append(Long.toHexString(address - starts[i]));
        if (modules[i] != null) {
            sb.append(" [").append(modules[i]).append(']');
        }
        if (raw) {
            sb.append(" (").append(hex).append(')');
        }
        return sb.toString();
    }

    /**
     * The address range {start, end} (end exclusive) of a function, for filters such as
     * {@code call_site >= start && call_site < end}; null when no text symbol has that name.
     */
    public long[] resolveFunctionRange(String function) {
        Integer i = byName.get(function);
        return i == null ? null : new long[] {starts[i], ends[i]};
    }

    /**
     * A filter term true for events whose {@code call_site} lies in {@code range} ({@link #resolveFunctionRange}, or a
     * module's): {@code (call_site >= 0x... && call_site < 0x...)}. Every kernel takes it; the kernel's own
     * {@code call_site.function == name}, which tests the same range found through kallsyms, came only with Linux 6.2
     * (and 6.1, 5.15, 5.14 and 5.10 are what long-term distributions run), so pooltag writes the range itself. The
     * addresses go only into the root-only files of pooltag's own instance.
     */
    public static String callSiteWithin(long[] range) {
        return String.format(java.util.Locale.ROOT, "(call_site >= 0x%x && call_site < 0x%x)", range[0], range[1]);
    }

    /** All symbol names that match, for diagnostics (several static functions may share a name). */
    public List<Integer> indexesOf(String function) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(function)) {
                out.add(i);
            }
        }
        return out;
    }
}
