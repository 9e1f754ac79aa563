package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Reads PoolMon screens and {@code poolmon /n} snapshot files into {@link UsageSnapshot}s, with allocs and frees
 * known (Diff is {@link TagUsage#live()}); also pooltag's own Linux screens ({@code mon --batch --output FILE}):
 * tags of one word longer than four characters, {@code -} for the Allocs and Frees procfs does not count
 * ({@link TagUsage#UNKNOWN}), "Snapshot N of M" titles, and the growth summary after the last screen (not read).
 *
 * <p>Every layout PoolMon prints: a screen has change columns in parentheses after Allocs, Frees and Bytes
 * ({@code 3996 (   0)}), a snapshot file has none; system pool screens, session pool screens ({@code /s}: "All
 * sessions pool information", "Session 0 pool information"), narrow and wide machines (numbers wider than their
 * column, down to one space between columns, or none after the Type), with or without leading spaces, tags with
 * spaces in them ({@code Dh 1}, {@code Io  }). With {@code /g} or {@code /c} a Mapped_Driver column follows Per
 * Alloc, in any form PoolMon fills it: one bracket group ({@code [ntfs.sys  -  AttrSup.c]}), several
 * ({@code [ipsec][ipsec.sys    -  event queue]}), plain words ({@code Unknown Driver}), or text cut at the
 * screen's edge ({@code [ntfs.sys  -  Attr}); it is kept as the row's description, bracket groups joined by
 * {@code ; }.
 *
 * <p>A file may hold several screens (a console log of several refreshes, or screens saved one after another):
 * each {@code Tag Type Allocs} header starts a screen, and {@link #parseAll} returns one snapshot per screen, in
 * file order. A line that names a tag and a pool type but does not read is an error naming its line; other lines
 * inside a table are skipped and counted, and a capture none of whose table lines reads is an error naming the
 * first; a {@code ...} line (a cut list) marks the screen truncated, and so does a last line that no line break ends
 * (a capture cut in the middle of a row) and does not prove whole (see {@link #unendedRow}), which is not read.
 * TABs count as the spaces they stand for.
 *
 * <p>Linear time: rows are read by a hand-written scanner, never by a backtracking regex, so no line, however
 * long or however full of spaces, costs more than one pass.
 */
public final class PoolMonParser {
    /** Digits a count may have: 19 fit a long; more is not PoolMon's. */
    private static final int MAX_DIGITS = 18;
    /**
     * The longest tag read: Windows tags have 4 characters (spaces allowed); pooltag's own Linux screens
     * ({@code mon --batch}) name slab caches, call sites and {@code vmalloc:} callers, one word of up to this many.
     */
    static final int MAX_LINUX_TAG = 128;
    private static final java.util.regex.Pattern SNAPSHOT_TITLE =
            java.util.regex.Pattern.compile("Snapshot \\d+ of \\d+ at [+-]");

    private PoolMonParser() {
    }

    /**
     * The last screen of the capture (a console log's latest refresh), for readers that want one snapshot.
     *
     * @throws pooltag.core.error.PooltagException naming file:line when a row cannot be read or no table is found
     */
    public static UsageSnapshot parse(CaptureText text) {
        List<UsageSnapshot> all = parseAll(text);
        return all.get(all.size() - 1);
    }

    /**
     * Every screen of the capture, in file order. The snapshots of a file with several screens carry no time (the
     * screens have none of their own), so readers keep them in file order; a single screen takes the file's
     * embedded time, if any.
     *
     * @throws pooltag.core.error.PooltagException naming file:line when a row cannot be read or no table is found
     */
    public static List<UsageSnapshot> parseAll(CaptureText text) {
        List<Screen> screens = new ArrayList<>();
        Screen cur = null;
        int firstSkipped = 0; // the first table line that is not a row: named when no screen has any row
        for (int n = 1; n <= text.lineCount(); n++) {
            String raw = text.line(n);
            // PoolMon pads with spaces; a TAB is an editor's or a spreadsheet's copy of that padding.
            String l = raw.indexOf('\t') < 0 ? raw : raw.replace('\t', ' ');
            if (CaptureText.isComment(l) || l.isBlank()) {
                continue;
            }
            if (FormatDetector.isPoolMonHeader(l)) {
                cur = new Screen(n);
                screens.add(cur);
                continue;
            }
            if (cur == null) {
                // The Memory:/Commit: lines and the title come before the table.
                continue;
            }
            String s = l.strip();
            if (isDots(s)) {
                cur.truncated = true;
                continue;
            }
            if (startsWithWord(s, "Total") || startsWithWord(s, "Memory:") || startsWithWord(s, "Commit:")
                    || s.endsWith("pool information") || SNAPSHOT_TITLE.matcher(s).lookingAt()) {
                // /e adds a totals line; the next screen's memory lines and title come before its header (pooltag
                // mon --batch titles its screens "Snapshot N of M at ...").
                continue;
            }
            if (startsWithWord(s, "Growth")) {
                // pooltag mon --batch's growth summary after its last screen: changes, not a screen's rows
                cur = null;
                continue;
            }
            TagUsage u;
            if (text.unendedLine(n)) {
                u = unendedRow(text, n, l);
                if (u == null) {
                    cur.skipped++;
                    cur.truncated = true;
                    continue;
                }
            } else {
                u = row(text, n, l);
            }
            if (u == null) {
                cur.skipped++;
                firstSkipped = firstSkipped == 0 ? n : firstSkipped;
                continue;
            }
            String key = u.tag() + '\u0000' + u.pool();
            cur.rows.remove(key);
            cur.rows.put(key, u);
        }
        if (screens.isEmpty()) {
            throw text.error(1, "no PoolMon table: no 'Tag  Type  Allocs  Frees  Diff  Bytes' header line");
        }
        if (firstSkipped > 0 && screens.stream().allMatch(sc -> sc.rows.isEmpty() && !sc.truncated)) {
            throw text.noRowReads(firstSkipped, "PoolMon", "Tag Type Allocs Frees Diff Bytes PerAlloc",
                    screens.stream().mapToLong(sc -> sc.skipped).sum());
        }
        long time = screens.size() == 1 ? text.embeddedEpochNanos() : 0;
        List<UsageSnapshot> out = new ArrayList<>(screens.size());
        for (int i = 0; i < screens.size(); i++) {
            Screen sc = screens.get(i);
            String source = screens.size() == 1 ? text.name()
                    : text.name() + " (screen " + (i + 1) + " of " + screens.size() + ", line " + sc.line + ")";
            out.add(new UsageSnapshot(time, source, new ArrayList<>(sc.rows.values()),
                    new Loss(0, 0, sc.skipped, sc.truncated)));
        }
        return out;
    }

    /**
     * A last line that no line break ends: a copy saved without its final break, or a capture cut in the middle of a
     * row, where any number may be a prefix. Read when it proves whole: text after Per Alloc (the Mapped_Driver), or
     * a Per Alloc that is Bytes / Diff as PoolMon computes it (every real screen here agrees to within 1); else null.
     */
    private static TagUsage unendedRow(CaptureText text, int n, String l) {
        TagUsage u;
        try {
            u = row(text, n, l);
        } catch (PooltagException cut) {
            return null;
        }
        if (u == null || !u.description().isEmpty()) {
            return u; // a Mapped_Driver after Per Alloc: the numbers before it are whole
        }
        // No description: the line ends with Per Alloc, digits row() has already read and bounded.
        long perAlloc = Long.parseLong(l.substring(l.lastIndexOf(' ') + 1));
        long diff = u.live();
        boolean whole = diff <= 0 || Math.abs(perAlloc - u.bytes() / diff) <= 1;
        return whole ? u : null;
    }

    /** One screen being read. */
    private static final class Screen {
        final int line;
        final Map<String, TagUsage> rows = new LinkedHashMap<>();
        long skipped;
        boolean truncated;

        Screen(int line) {
            this.line = line;
        }
    }

    /**
     * One table line: null when it names no tag and pool type (skipped), a row when it reads.
     *
     * @throws pooltag.core.error.PooltagException when it names a tag and type but its numbers do not read
     */
    private static TagUsage row(CaptureText text, int n, String l) {
        int start = 0;
        while (start < l.length() && l.charAt(start) == ' ') {
            start++;
        }
        // The Type is the first "Nonp" or "Paged" word after the tag (1 to 4 characters, spaces allowed in it,
        // then any padding): a bounded look, so a long line costs nothing here.
        int typeAt = -1;
        int typeEnd = -1;
        Pool pool = null;
        for (int i = start + 2; i < l.length() && i <= start + MAX_LINUX_TAG + 64 && typeAt < 0; i++) {
            if (l.charAt(i - 1) != ' ') {
                continue;
            }
            int end = l.startsWith("Nonp", i) ? i + 4 : l.startsWith("Paged", i) ? i + 5 : -1;
            if (end > 0 && (end == l.length() || isDigitOrSpace(l.charAt(end)))) {
                typeAt = i;
                typeEnd = end;
                pool = l.charAt(i) == 'N' ? Pool.NONPAGED : Pool.PAGED;
            }
        }
        if (typeAt < 0) {
            return null;
        }
        String tag = l.substring(start, typeAt).stripTrailing();
        if (tag.isEmpty() || tag.length() > 4 && !isLinuxTag(tag)) {
            return null;
        }
        Scanner sc = new Scanner(l, typeEnd);
        long allocs = sc.countOrDash();
        sc.change();
        long frees = sc.countOrDash();
        sc.change();
        long diff = sc.signed();
        sc.change();
        long bytes = sc.count();
        sc.change();
        long perAlloc = sc.count();
        if (sc.failed || (sc.at < l.length() && l.charAt(sc.at) != ' ')) {
            throw text.error(n, "PoolMon row for tag '" + tag.strip() + "' does not read: expected Type Allocs"
                    + " Frees Diff Bytes PerAlloc (change columns and Mapped_Driver optional)");
        }
        if (perAlloc < 0) {
            throw text.error(n, "PoolMon row for tag '" + tag.strip() + "' has no Per Alloc");
        }
        return new TagUsage(tag, TagKind.POOL, pool, allocs, frees, diff, bytes, mappedDriver(l, sc.at));
    }

    /**
     * A tag longer than Windows' four characters: one word (no space) of at most {@link #MAX_LINUX_TAG}, as pooltag's
     * Linux tables print slab caches, call sites and {@code vmalloc:} callers. Windows captures never have one.
     */
    static boolean isLinuxTag(String tag) {
        if (tag.length() > MAX_LINUX_TAG) {
            return false;
        }
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * The Mapped_Driver column as a description: bracket groups joined by {@code "; "}, their inner runs of
     * spaces around {@code -} made one ({@code ntfs.sys - AttrSup.c}); plain words as they are; a group cut at
     * the screen's edge keeps what is there.
     */
    static String mappedDriver(String l, int from) {
        StringBuilder out = new StringBuilder();
        int i = from;
        int n = l.length();
        while (i < n && l.charAt(i) == ' ') {
            i++;
        }
        if (i >= n) {
            return "";
        }
        if (l.charAt(i) != '[') {
            return squeeze(l, i, n);
        }
        while (i < n) {
            if (l.charAt(i) == '[') {
                int close = l.indexOf(']', i + 1);
                int end = close < 0 ? n : close;
                String group = squeeze(l, i + 1, end);
                if (!group.isEmpty()) {
                    if (out.length() > 0) {
                        out.append("; ");
                    }
                    out.append(group);
                }
                i = close < 0 ? n : close + 1;
            } else if (l.charAt(i) == ' ') {
                i++;
            } else {
                String rest = squeeze(l, i, n);
                if (out.length() > 0) {
                    out.append("; ");
                }
                out.append(rest);
                break;
            }
        }
        return out.toString();
    }

    /** {@code l[from, to)} with runs of spaces made one and the ends stripped: one pass. */
    private static String squeeze(String l, int from, int to) {
        StringBuilder sb = new StringBuilder(Math.max(0, to - from));
        boolean space = false;
        for (int i = from; i < to; i++) {
            char c = l.charAt(i);
            if (Character.isWhitespace(c)) {
                space = sb.length() > 0;
            } else {
                if (space) {
                    sb.append(' ');
                    space = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isDigitOrSpace(char c) {
        return c == ' ' || (c >= '0' && c <= '9');
    }

    private static boolean isDots(String s) {
        if (s.length() < 2) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWithWord(String s, String word) {
        return s.regionMatches(true, 0, word, 0, word.length());
    }

    /** Reads PoolMon's numbers left to right; {@code failed} once anything is not where a number should be. */
    private static final class Scanner {
        final String l;
        int at;
        boolean failed;

        Scanner(String l, int at) {
            this.l = l;
            this.at = at;
        }

        private void spaces() {
            while (at < l.length() && l.charAt(at) == ' ') {
                at++;
            }
        }

        long count() {
            return number(false);
        }

        /** A count, or {@code -} where pooltag's Linux screens know none (procfs counts no allocations): UNKNOWN. */
        long countOrDash() {
            spaces();
            if (!failed && at < l.length() && l.charAt(at) == '-' && (at + 1 == l.length() || l.charAt(at + 1) == ' ')) {
                at++;
                return TagUsage.UNKNOWN;
            }
            return number(false);
        }

        long signed() {
            return number(true);
        }

        private long number(boolean signed) {
            spaces();
            if (failed || at >= l.length()) {
                failed = true;
                return -1;
            }
            boolean negative = signed && l.charAt(at) == '-';
            if (negative) {
                at++;
            }
            int from = at;
            long v = 0;
            while (at < l.length() && l.charAt(at) >= '0' && l.charAt(at) <= '9') {
                if (at - from >= MAX_DIGITS) {
                    failed = true;
                    return -1;
                }
                v = v * 10 + (l.charAt(at) - '0');
                at++;
            }
            if (at == from || (at < l.length() && l.charAt(at) != ' ' && l.charAt(at) != '(')) {
                failed = true;
                return -1;
            }
            return negative ? -v : v;
        }

        /** An optional change column {@code (   0)}, {@code ( 177)}, {@code (-12)}. */
        void change() {
            if (failed) {
                return;
            }
            int save = at;
            spaces();
            if (at >= l.length() || l.charAt(at) != '(') {
                at = save;
                return;
            }
            at++;
            spaces();
            if (at < l.length() && (l.charAt(at) == '-' || l.charAt(at) == '+')) {
                at++;
            }
            int from = at;
            while (at < l.length() && l.charAt(at) >= '0' && l.charAt(at) <= '9') {
                at++;
            }
            spaces();
            if (at == from || at - from > MAX_DIGITS || at >= l.length() || l.charAt(at) != ')') {
                failed = true;
                return;
            }
            at++;
        }
    }
}
