package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Reads a PoolMon screen or a {@code poolmon /n} snapshot file into a {@link UsageSnapshot}, with allocs and frees
 * known (Diff is {@link TagUsage#live()}).
 *
 * <p>A screen has change columns in parentheses after Allocs, Frees and Bytes ({@code 3996 (   0)}) and, with
 * {@code /g}, a Mapped_Driver column in brackets, kept as the description; a snapshot file has neither. A log of
 * several refreshes holds several screens: each header starts a new screen and the last one is the snapshot.
 * A line that names a tag and a pool type but does not read is an error naming its line; other lines inside a
 * table are skipped and counted.
 */
public final class PoolMonParser {
    private static final String CHANGE = "(?:\\s*\\(\\s*-?\\d+\\s*\\))?";
    private static final Pattern ROW = Pattern.compile("^\\s+(Nonp|Paged)\\s+(\\d+)" + CHANGE + "\\s+(\\d+)" + CHANGE
            + "\\s+(-?\\d+)" + CHANGE + "\\s+(\\d+)" + CHANGE + "\\s+(\\d+)(?:\\s+\\[(.*)\\])?\\s*$");
    private static final Pattern ROW_START = Pattern.compile("^\\s+(?:Nonp|Paged)\\s.*");
    private static final Pattern TOTAL = Pattern.compile("^\\s*Total\\b.*", Pattern.CASE_INSENSITIVE);

    private PoolMonParser() {
    }

    /** @throws pooltag.core.error.PooltagException naming file:line when a row cannot be read or no table is found */
    public static UsageSnapshot parse(CaptureText text) {
        Map<String, TagUsage> rows = new LinkedHashMap<>();
        boolean headerSeen = false;
        int tagColumn = -1;
        long skipped = 0;
        boolean truncated = false;
        for (int n = 1; n <= text.lineCount(); n++) {
            String l = text.line(n);
            if (CaptureText.isComment(l) || l.isBlank()) {
                continue;
            }
            if (FormatDetector.POOLMON_HEADER.matcher(l).matches()) {
                headerSeen = true;
                tagColumn = l.indexOf("Tag");
                rows.clear();
                skipped = 0;
                truncated = false;
                continue;
            }
            if (!headerSeen || TOTAL.matcher(l).matches()) {
                // The Memory:/Commit: lines and the title come before the table; /e adds a totals line.
                continue;
            }
            if (l.strip().matches("\\.{2,}")) {
                truncated = true;
                continue;
            }
            String tag;
            String rest;
            if (tagColumn >= 0 && l.length() > tagColumn + 4 && l.substring(0, tagColumn).isBlank()
                    && !Character.isWhitespace(l.charAt(tagColumn)) && ROW_START.matcher(l.substring(tagColumn + 4)).matches()) {
                tag = l.substring(tagColumn, tagColumn + 4);
                rest = l.substring(tagColumn + 4);
            } else {
                String s = l.stripLeading();
                int sp = s.indexOf(' ');
                tag = sp < 0 ? s : s.substring(0, sp);
                rest = sp < 0 ? "" : s.substring(sp);
                if (tag.length() > 4 || !ROW_START.matcher(rest).matches()) {
                    skipped++;
                    continue;
                }
            }
            Matcher m = ROW.matcher(rest);
            if (!m.matches()) {
                throw text.error(n, "PoolMon row for tag '" + tag.strip() + "' does not read: expected Type Allocs"
                        + " Frees Diff Bytes PerAlloc (change columns and [Mapped_Driver] optional)");
            }
            Pool pool = m.group(1).equals("Nonp") ? Pool.NONPAGED : Pool.PAGED;
            String description = m.group(7) == null ? "" : m.group(7).strip().replaceAll("\\s+-\\s+", " - ");
            String t = tag.stripTrailing();
            TagUsage u = new TagUsage(t, TagKind.POOL, pool, Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), description);
            String key = t + '\u0000' + pool;
            rows.remove(key);
            rows.put(key, u);
        }
        if (!headerSeen) {
            throw text.error(1, "no PoolMon table: no 'Tag  Type  Allocs  Frees  Diff  Bytes' header line");
        }
        List<TagUsage> list = new ArrayList<>(rows.values());
        return new UsageSnapshot(text.embeddedEpochNanos(), text.name(), list, new Loss(0, 0, skipped, truncated));
    }
}
