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
     * The cache names of a slabinfo text, leniently: the first word of every line but the header lines, with no other
     * check (a name is all a hit tag or a merged directory's name needs; {@link #parse} checks the rest). Mutable.
     */
    public static java.util.Set<String> names(String text) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String line : text.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0 && !line.startsWith("#") && !line.startsWith("slabinfo")) {
                out.add(line.substring(0, sp));
            }
        }
        return out;
    }

    /**
     * @param text   the whole file
     * @param source the file name for error messages
     */
    public static List<SlabinfoEntry> parse(String text, String source) {
        List<SlabinfoEntry> out = new ArrayList<>(256);
        TextLines lines = new TextLines(text);
        int lineNo = 0;
        boolean sawVersion = false;
        while (lines.nextLine()) {
            lineNo++;
            if (lineNo == 1) {
                String line = lines.line();
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
            if (lines.lineStartsWith("#") || lines.lineIsBlank()) {
                continue;
            }
            if (lines.unterminated()) {
                throw new PooltagException(source + ":" + lineNo + ": truncated row '" + abbreviate(lines.line())
                        + "' (file ends without a newline)");
            }
            out.add(parseRow(lines, source, lineNo));
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
        return TextLines.fieldsOf(line);
    }

    private static SlabinfoEntry parseRow(TextLines f, String source, int lineNo) {
        f.split();
        // name + 5 numbers, ':' tunables + 3, ':' slabdata + 3 = 16 fields
        if (f.count() != 16 || !f.fieldIs(6, ":") || !f.fieldIs(7, "tunables") || !f.fieldIs(11, ":")
                || !f.fieldIs(12, "slabdata")) {
            throw new PooltagException(source + ":" + lineNo + ": malformed slabinfo row '" + abbreviate(f.line())
                    + "' (expected name, 5 numbers, ': tunables' 3 numbers, ': slabdata' 3 numbers)");
        }
        try {
            return new SlabinfoEntry(f.field(0), f.number(1), f.number(2), f.number(3), f.number(4), f.number(5),
                    f.number(13), f.number(14));
        } catch (NumberFormatException e) {
            throw new PooltagException(source + ":" + lineNo + ": non-numeric field in slabinfo row '"
                    + abbreviate(f.line()) + "'");
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
