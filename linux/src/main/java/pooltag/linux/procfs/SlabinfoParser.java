package pooltag.linux.procfs;

import java.util.ArrayList;
import java.util.List;

import pooltag.core.error.PooltagException;

/**
 * Parses {@code /proc/slabinfo} version 2.1 (SLUB and SLAB print the same columns). One row per cache; merged
 * caches appear once, under the name of the cache that created them ({@link SlabSysfs} supplies the aliases).
 *
 * <p>Row layout: {@code name active_objs num_objs objsize objperslab pagesperslab : tunables limit batchcount
 * sharedfactor : slabdata active_slabs num_slabs sharedavail}. Only the version line and the 16-field row shape
 * are trusted; any other line is an error naming {@code file:line}, because a half-read slabinfo would print
 * wrong totals.
 */
public final class SlabinfoParser {
    /** The only version this parser knows; any other is refused rather than guessed at. */
    static final String VERSION_LINE = "slabinfo - version: 2.1";

    private SlabinfoParser() {
    }

    /**
     * @param text   the whole file
     * @param source the file name for error messages
     */
    public static List<SlabinfoEntry> parse(String text, String source) {
        List<SlabinfoEntry> out = new ArrayList<>(256);
        int lineNo = 0;
        int pos = 0;
        boolean sawVersion = false;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            boolean lastLineUnterminated = nl < 0;
            String line = lastLineUnterminated ? text.substring(pos) : text.substring(pos, nl);
            pos = lastLineUnterminated ? text.length() : nl + 1;
            lineNo++;
            if (lineNo == 1) {
                if (!line.startsWith("slabinfo - version:")) {
                    throw new PooltagException(source + ":1: not a slabinfo file (first line is '" + abbreviate(line)
                            + "', expected '" + VERSION_LINE + "')");
                }
                if (!line.trim().equals(VERSION_LINE)) {
                    throw new PooltagException(source + ":1: unknown slabinfo version '" + line.trim()
                            + "'; pooltag reads version 2.1");
                }
                sawVersion = true;
                continue;
            }
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            if (lastLineUnterminated) {
                throw new PooltagException(source + ":" + lineNo + ": truncated row '" + abbreviate(line)
                        + "' (file ends without a newline)");
            }
            out.add(parseRow(line, source, lineNo));
        }
        if (!sawVersion) {
            throw new PooltagException(source + ": empty file, expected '" + VERSION_LINE + "'");
        }
        return out;
    }

    /**
     * {@code line.trim().split("\\s+")} without a regular expression: String.split compiles a Pattern on every call
     * for a pattern like that, which cost {@code poolused} tens of milliseconds over /proc/vmallocinfo's thousands of
     * lines before the JIT had compiled anything (docs/PERFORMANCE.md, start-up). Separators are the {@code \s}
     * characters (space, tab, newline, vertical tab, form feed, carriage return); a blank line gives {@code [""]},
     * as split does.
     */
    static String[] fields(String line) {
        String t = line.trim();
        int n = 0;
        boolean inField = false;
        for (int i = 0; i < t.length(); i++) {
            boolean sep = isSpace(t.charAt(i));
            if (!sep && !inField) {
                n++;
            }
            inField = !sep;
        }
        if (n == 0) {
            return new String[] {""};
        }
        String[] f = new String[n];
        int k = 0;
        int start = -1;
        for (int i = 0; i <= t.length(); i++) {
            boolean sep = i == t.length() || isSpace(t.charAt(i));
            if (sep && start >= 0) {
                f[k++] = t.substring(start, i);
                start = -1;
            } else if (!sep && start < 0) {
                start = i;
            }
        }
        return f;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static SlabinfoEntry parseRow(String line, String source, int lineNo) {
        String[] f = fields(line);
        // name + 5 numbers, ':' tunables + 3, ':' slabdata + 3 = 16 fields
        if (f.length != 16 || !f[6].equals(":") || !f[7].equals("tunables") || !f[11].equals(":")
                || !f[12].equals("slabdata")) {
            throw new PooltagException(source + ":" + lineNo + ": malformed slabinfo row '" + abbreviate(line)
                    + "' (expected name, 5 numbers, ': tunables' 3 numbers, ': slabdata' 3 numbers)");
        }
        try {
            return new SlabinfoEntry(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[13]), Long.parseLong(f[14]));
        } catch (NumberFormatException e) {
            throw new PooltagException(source + ":" + lineNo + ": non-numeric field in slabinfo row '"
                    + abbreviate(line) + "'");
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
