package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Reads WinDbg {@code !poolused} output into a {@link UsageSnapshot}.
 *
 * <p>Layouts (all sorts, with or without the {@code kd>} line, the progress dots and the TOTAL line):
 * <ul>
 *   <li>old: {@code " %-4s %8d %8d %9d %8d"} with the description glued to the last number
 *       ({@code "        01394 OHCI ..."} is Used 0 then {@code 1394 OHCI ...});</li>
 *   <li>new: {@code " %-4s %9d %12d %10d %12d"}, a TAB, then the description;</li>
 *   <li>verbose (flag 0x1): Allocs, Frees, Diff, Used per pool;</li>
 *   <li>pooltag's own {@code poolused} on Linux, saved to a file: the new layout with tags longer than four
 *       characters ({@link PoolMonParser#isLinuxTag}), so two of them diff as two Windows captures do.</li>
 * </ul>
 * Summary rows give outstanding allocations (their "Allocs" column is {@link TagUsage#live()}) and bytes;
 * allocs and frees are {@link TagUsage#UNKNOWN}. Verbose rows give all four.
 *
 * <p>Tags are kept as printed, trailing spaces removed ({@code AGP } is {@code AGP}). A pool row is emitted
 * when it holds anything; a tag with nothing in either pool keeps one NonPaged row, so a diff sees it. When a
 * capture holds several tables (a {@code !poolused 2} then a {@code !poolused 4}) they show the same counters
 * sorted differently: a tag's later row replaces its earlier one.
 *
 * <p>A session-pool capture ({@code !poolused 8}, or a {@code Sorting by} line naming the session) keeps its
 * NonPaged/Paged columns and says "(session pool)" in {@link UsageSnapshot#source()}.
 *
 * <p>Inside a table, a line shaped like a row (tag, then numbers) that does not read is an error naming its
 * line; an {@code ...} elision marks the snapshot truncated; any other line there is skipped and counted, and a
 * table none of whose lines reads as a row is an error naming the first. A row on a last line that no line break
 * ends and that ends in a digit (a capture cut in the middle of a row: {@code EtwB 148 5206272 16 4423} for
 * {@code ... 442368}) is skipped and marks the snapshot truncated; one that ends in its description is read. Columns may be separated by TABs instead of spaces (an editor's or a
 * spreadsheet's copy): the description then starts at the first TAB after the row's numbers.
 */
public final class PoolUsedParser {
    private static final Pattern PROMPT = Pattern.compile("^\\s*(?:\\d+:\\s*)?kd>\\s*(.*)$");
    private static final Pattern DOTS = Pattern.compile("^\\s*\\.{2,}\\s*$");
    private static final Pattern TOTAL = Pattern.compile("^\\s*TOTAL(\\s+\\d+)+\\s*$");
    /** The sort key after {@code Sorting by}: group 1, stripped by the reader (not {@code (.*?)\\s*$}: quadratic). */
    private static final Pattern SORTING = Pattern.compile("^\\s*Sorting by\\s+(.*)$");
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern COMMAND = Pattern.compile("^!poolused(?:\\s+(\\S+))?.*");
    /** {@code !poolused} flag 0x8: the session pool instead of the standard pools. */
    private static final long SESSION_FLAG = 0x8;
    /** Old kdexts prints the last column as {@code %8d} after one space: 9 characters. */
    private static final int OLD_LAST_FIELD_WIDTH = 9;

    private PoolUsedParser() {
    }

    /** @throws pooltag.core.error.PooltagException naming file:line when a row cannot be read or no table is found */
    public static UsageSnapshot parse(CaptureText text) {
        return text.read(() -> parseLines(text));
    }

    private static UsageSnapshot parseLines(CaptureText text) {
        return new Run(text).parse();
    }

    private static final class Run {
        final CaptureText text;
        final Map<String, TagUsage[]> byTag = new LinkedHashMap<>();
        boolean inTable;
        boolean rowsSeen;
        boolean headerSeen;
        boolean verbose;
        boolean session;
        int tagColumn;
        int lastFieldWidth = OLD_LAST_FIELD_WIDTH;
        long skipped;
        /** The first line of a table skipped as not a row (0: none): named when no line of the table reads. */
        int firstSkipped;
        boolean truncated;

        Run(CaptureText text) {
            this.text = text;
        }

        UsageSnapshot parse() {
            for (int n = 1; n <= text.lineCount(); n++) {
                String l = text.line(n);
                if (CaptureText.isComment(l) || l.isBlank()) {
                    continue;
                }
                Matcher prompt = PROMPT.matcher(l);
                if (prompt.matches()) {
                    // Another debugger command ends the table; a !poolused starts the next one.
                    inTable = false;
                    Matcher cmd = COMMAND.matcher(prompt.group(1).strip());
                    if (cmd.matches() && cmd.group(1) != null) {
                        session |= (flags(cmd.group(1)) & SESSION_FLAG) != 0;
                    }
                    continue;
                }
                if (DOTS.matcher(l).matches()) {
                    if (inTable && rowsSeen) {
                        truncated = true;
                    }
                    continue;
                }
                Matcher sorting = SORTING.matcher(l);
                if (sorting.matches()) {
                    session |= sorting.group(1).toLowerCase(Locale.ROOT).contains("session");
                    inTable = false;
                    continue;
                }
                if (FormatDetector.POOLUSED_HEADER.matcher(l).matches()) {
                    header(l);
                    continue;
                }
                if (!inTable) {
                    // Debugger chatter before a table ("*** CacheSize too low", "Pool Used:", the pool titles).
                    continue;
                }
                if (TOTAL.matcher(l).matches()) {
                    inTable = false;
                    continue;
                }
                if (text.unendedLine(n) && Character.isDigit(l.charAt(l.length() - 1))) {
                    // No line break after it and it ends in a digit: its last number may be any prefix of the real
                    // one. Ended by a description instead, its numbers are whole (a copy saved without the break).
                    skip(n);
                    truncated = true;
                    continue;
                }
                row(n, l);
            }
            if (!headerSeen) {
                throw text.error(1, "no !poolused table: no 'Tag  Allocs  Used' header line");
            }
            if (byTag.isEmpty() && firstSkipped > 0 && !truncated) {
                throw text.noRowReads(firstSkipped, "!poolused", "tag, then "
                        + (verbose ? "Allocs Frees Diff Used" : "Allocs Used") + " per pool", skipped);
            }
            List<TagUsage> rows = new ArrayList<>();
            for (TagUsage[] pair : byTag.values()) {
                for (TagUsage u : pair) {
                    if (u != null) {
                        rows.add(u);
                    }
                }
            }
            String source = session ? text.name() + " (session pool)" : text.name();
            return new UsageSnapshot(text.embeddedEpochNanos(), source, rows, new Loss(0, 0, skipped, truncated));
        }

        void header(String l) {
            headerSeen = true;
            inTable = true;
            rowsSeen = false;
            verbose = l.contains("Frees");
            tagColumn = l.indexOf("Tag");
            int end = l.stripTrailing().length();
            int lastWordStart = l.lastIndexOf("Used");
            int prevEnd = lastWordStart;
            while (prevEnd > 0 && Character.isWhitespace(l.charAt(prevEnd - 1))) {
                prevEnd--;
            }
            lastFieldWidth = end - prevEnd;
        }

        void skip(int n) {
            skipped++;
            if (firstSkipped == 0) {
                firstSkipped = n;
            }
        }

        void row(int n, String l) {
            String description = "";
            String body = l;
            int tab = descriptionTab(l, verbose ? 8 : 4);
            if (tab >= 0) {
                description = l.substring(tab + 1).strip();
                body = l.substring(0, tab);
            }
            String tag;
            String rest;
            if (tagColumn >= 0 && body.length() > tagColumn + 4 && body.substring(0, tagColumn).isBlank()
                    && !Character.isWhitespace(body.charAt(tagColumn))
                    && startsWithSpaceThenDigit(body.substring(tagColumn + 4))) {
                tag = body.substring(tagColumn, tagColumn + 4);
                rest = body.substring(tagColumn + 4);
            } else {
                String s = body.stripLeading();
                int sp = 0;
                while (sp < s.length() && !Character.isWhitespace(s.charAt(sp))) {
                    sp++;
                }
                tag = s.substring(0, sp);
                rest = s.substring(sp);
                if (tag.isEmpty() || tag.length() > 4 && !PoolMonParser.isLinuxTag(tag)
                        || !startsWithSpaceThenDigit(rest)) {
                    skip(n);
                    return;
                }
            }
            int want = verbose ? 8 : 4;
            long[] v = new long[want];
            int p = 0;
            for (int i = 0; i < want; i++) {
                int q = p;
                while (q < rest.length() && Character.isWhitespace(rest.charAt(q))) {
                    q++;
                }
                int d = q;
                while (d < rest.length() && Character.isDigit(rest.charAt(d))) {
                    d++;
                }
                if (d == q) {
                    throw text.error(n, "truncated !poolused row for tag '" + tag.strip() + "': expected " + want
                            + " numbers (" + (verbose ? "Allocs Frees Diff Used" : "Allocs Used") + " per pool), found " + i);
                }
                boolean last = i == want - 1;
                if (!last && d < rest.length() && !Character.isWhitespace(rest.charAt(d))) {
                    throw text.error(n, "bad number '" + rest.substring(q).split("\\s+")[0] + "' in the !poolused row for tag '"
                            + tag.strip() + "'");
                }
                if (last && tab < 0 && d > p + lastFieldWidth && p + lastFieldWidth > q) {
                    // The description starts with a digit and is glued to the number: the field width decides.
                    d = p + lastFieldWidth;
                }
                v[i] = parseCount(n, rest.substring(q, d));
                p = d;
                if (last && tab < 0) {
                    description = rest.substring(d).strip();
                }
            }
            rowsSeen = true;
            String t = tag.stripTrailing();
            TagUsage np;
            TagUsage pg;
            if (verbose) {
                np = usage(t, Pool.NONPAGED, v[0], v[1], v[2], v[3], description);
                pg = usage(t, Pool.PAGED, v[4], v[5], v[6], v[7], description);
            } else {
                np = usage(t, Pool.NONPAGED, TagUsage.UNKNOWN, TagUsage.UNKNOWN, v[0], v[1], description);
                pg = usage(t, Pool.PAGED, TagUsage.UNKNOWN, TagUsage.UNKNOWN, v[2], v[3], description);
            }
            TagUsage[] pair = new TagUsage[2];
            if (holdsAnything(np) || !holdsAnything(pg)) {
                pair[0] = np;
            }
            if (holdsAnything(pg)) {
                pair[1] = pg;
            }
            byTag.remove(t);
            byTag.put(t, pair);
        }

        long parseCount(int n, String digits) {
            if (!NUMBER.matcher(digits).matches() || digits.length() > 18) {
                throw text.error(n, "bad count '" + digits + "'");
            }
            return Long.parseLong(digits);
        }
    }

    /** The Flags argument, hex as the debugger reads it; an unreadable one counts as 0 (the table header decides). */
    private static long flags(String arg) {
        String h = arg.startsWith("0x") || arg.startsWith("0X") ? arg.substring(2) : arg;
        try {
            return Long.parseUnsignedLong(h, 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Where a row's description starts: the first TAB after its tag and {@code numbers} numbers, the words between
     * runs of spaces and TABs; -1 when the row has no TAB. WinDbg prints one TAB, before the description; a row whose
     * columns are all TABs (an editor's copy) has its description after the numbers just the same. A row with fewer
     * words or a word that is not a number there keeps its first TAB, and the row's reader says what is wrong; a row
 * whose numbers are followed by no TAB has no description.
     */
    private static int descriptionTab(String l, int numbers) {
        int first = l.indexOf('\t');
        if (first < 0) {
            return -1;
        }
        int i = 0;
        int len = l.length();
        for (int word = 0; word <= numbers; word++) {
            while (i < len && (l.charAt(i) == ' ' || l.charAt(i) == '\t')) {
                i++;
            }
            int start = i;
            while (i < len && l.charAt(i) != ' ' && l.charAt(i) != '\t') {
                i++;
            }
            if (start == i) {
                return first;
            }
            for (int d = start; word > 0 && d < i; d++) {
                if (!Character.isDigit(l.charAt(d))) {
                    return first;
                }
            }
        }
        return l.indexOf('\t', i); // -1: the row has no description (its trailing TAB was stripped with the blanks)
    }

    private static boolean startsWithSpaceThenDigit(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i > 0 && i < s.length() && Character.isDigit(s.charAt(i));
    }

    private static boolean holdsAnything(TagUsage u) {
        return u.live() != 0 || u.bytes() != 0 || u.allocs() > 0 || u.frees() > 0;
    }

    private static TagUsage usage(String tag, Pool pool, long allocs, long frees, long live, long bytes, String d) {
        return new TagUsage(tag, TagKind.POOL, pool, allocs, frees, live, bytes, d);
    }
}
