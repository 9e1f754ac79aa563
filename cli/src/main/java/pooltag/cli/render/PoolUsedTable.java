package pooltag.cli.render;

import java.io.PrintWriter;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.snapshot.TagUsage;

/**
 * Prints a {@link PoolUsedQuery.Result} as WinDbg's new {@code !poolused} does, whatever made the snapshot: the
 * {@code Sorting by ...} header, the two-pool column header, one row a tag ({@code " %-4s %9d %12d %10d %12d"}
 * then a TAB and the description) and a TOTAL line. Tags longer than four characters widen the tag column, and
 * every other column keeps its width. Verbose (flag 1) prints Allocs, Frees, Diff and Used per pool, {@code -} where
 * the source does not count allocations.
 */
public final class PoolUsedTable {
    private PoolUsedTable() {
    }

    public static void print(PrintWriter out, PoolUsedQuery.Result r) {
        int w = 4;
        for (PoolUsedQuery.Row row : r.rows()) {
            w = Math.max(w, row.tag().length());
        }
        String pad = " ".repeat(w - 4);
        out.println(" Sorting by " + r.sort().title());
        out.println();
        StringBuilder line = new StringBuilder(160);
        char zero = zeroDigit();
        if (r.verbose()) {
            out.println(pad + "            NonPaged                               Paged");
            // " %-Ws %8s %8s %8s %8s %8s %8s %8s %8s"
            left(line.append(' '), "Tag", w);
            for (String h : new String[] {"Allocs", "Frees", "Diff", "Used", "Allocs", "Frees", "Diff", "Used"}) {
                right(line.append(' '), h, 8);
            }
        } else {
            out.println(pad + "               NonPaged                  Paged");
            // " %-Ws %9s %12s %10s %12s"
            left(line.append(' '), "Tag", w);
            right(line.append(' '), "Allocs", 9);
            right(line.append(' '), "Used", 12);
            right(line.append(' '), "Allocs", 10);
            right(line.append(' '), "Used", 12);
        }
        out.println(line);
        out.println();
        for (PoolUsedQuery.Row row : r.rows()) {
            line.setLength(0);
            left(line.append(' '), row.tag(), w);
            if (r.verbose()) {
                // " %-Ws %8s %8s %8d %8d %8s %8s %8d %8d"
                right(line.append(' '), count(row.nonPaged(), true), 8);
                right(line.append(' '), count(row.nonPaged(), false), 8);
                right(line.append(' '), live(row.nonPaged()), 8, zero);
                right(line.append(' '), row.nonPagedBytes(), 8, zero);
                right(line.append(' '), count(row.paged(), true), 8);
                right(line.append(' '), count(row.paged(), false), 8);
                right(line.append(' '), live(row.paged()), 8, zero);
                right(line.append(' '), row.pagedBytes(), 8, zero);
            } else {
                // " %-Ws %9d %12d %10d %12d"
                right(line.append(' '), live(row.nonPaged()), 9, zero);
                right(line.append(' '), row.nonPagedBytes(), 12, zero);
                right(line.append(' '), live(row.paged()), 10, zero);
                right(line.append(' '), row.pagedBytes(), 12, zero);
            }
            if (!row.description().isEmpty()) {
                line.append('\t').append(row.description());
            }
            out.println(line);
        }
        PoolUsedQuery.Totals t = r.totals();
        out.println();
        line.setLength(0);
        // "TOTAL" is one wider than a 4-character tag: it takes the separator's place so the numbers align.
        left(line.append(' '), "TOTAL", w + 1);
        int firstNumber = line.length();
        if (r.verbose()) {
            // " %-(W+1)s%8s %8s %8d %8d %8s %8s %8d %8d"
            right(line, known(t.nonPagedAllocs()), 8);
            right(line.append(' '), known(t.nonPagedFrees()), 8);
            right(line.append(' '), t.nonPagedLive(), 8, zero);
            right(line.append(' '), t.nonPagedBytes(), 8, zero);
            right(line.append(' '), known(t.pagedAllocs()), 8);
            right(line.append(' '), known(t.pagedFrees()), 8);
            right(line.append(' '), t.pagedLive(), 8, zero);
            right(line.append(' '), t.pagedBytes(), 8, zero);
        } else {
            // " %-(W+1)s%9d %12d %10d %12d"
            right(line, t.nonPagedLive(), 9, zero);
            right(line.append(' '), t.nonPagedBytes(), 12, zero);
            right(line.append(' '), t.pagedLive(), 10, zero);
            right(line.append(' '), t.pagedBytes(), 12, zero);
        }
        if (line.charAt(firstNumber) != ' ') {
            // a first total as wide as its column: WinDbg's format runs it into TOTAL ("TOTAL1220429824"), which no
            // reader can split; it gets the separator the label took
            line.insert(firstNumber, ' ');
        }
        out.println(line);
        Loss loss = r.snapshot().loss();
        if (!loss.none()) {
            out.println(LossLine.of(loss));
        }
        out.flush();
    }

    /*
     * The columns are padded by hand, as printf's %-Ns, %Ns and %Nd would pad them (width in chars, never cut; %d's
     * digits in the default locale's, as printf wrote them): printf parsed its format and went through a
     * Formatter per call, and its first calls cost poolused 20-35 ms of CPU on every run, more than any other step of
     * the table (docs/PERFORMANCE.md, start-up round 5). PoolUsedTableTest checks each line against those formats.
     */

    /**
     * The digit zero printf's {@code %d} used: the default locale's ({@code PrintWriter.printf} formats with
     * {@code Locale.getDefault()}, not the FORMAT category's), as {@code Formatter} takes it from
     * {@link DecimalFormatSymbols}; '0' for English without loading the locale's symbols (Formatter's own shortcut
     * is for en-US only). Not '0' in a few locales (ar-EG, fa-IR, or a {@code -u-nu-} extension asking for other
     * digits).
     */
    static char zeroDigit() {
        Locale l = Locale.getDefault();
        return l.getLanguage().equals("en") && !l.hasExtensions() ? '0'
                : DecimalFormatSymbols.getInstance(l).getZeroDigit();
    }

    /** {@code s} then spaces up to {@code width} chars ({@code %-Ns}). */
    static void left(StringBuilder sb, String s, int width) {
        sb.append(s);
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
    }

    /** Spaces then {@code s}, {@code width} chars in all when {@code s} is shorter ({@code %Ns}). */
    static void right(StringBuilder sb, String s, int width) {
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        sb.append(s);
    }

    /** {@code v} in decimal with digits from {@code zero} up, right-aligned in {@code width} chars ({@code %Nd}). */
    static void right(StringBuilder sb, long v, int width, char zero) {
        String s = Long.toString(v);
        if (zero != '0') {
            char[] c = s.toCharArray();
            for (int i = 0; i < c.length; i++) {
                if (c[i] >= '0' && c[i] <= '9') {
                    c[i] = (char) (zero + (c[i] - '0'));
                }
            }
            s = new String(c);
        }
        right(sb, s, width);
    }

    private static long live(TagUsage u) {
        return u == null ? 0 : u.live();
    }

    private static String count(TagUsage u, boolean allocs) {
        if (u == null) {
            return "0";
        }
        return known(allocs ? u.allocs() : u.frees());
    }

    private static String known(long v) {
        return v == TagUsage.UNKNOWN ? "-" : Long.toString(v);
    }

    /** {@code {"sort", "source", "tags": [{"tag","kind","pool","allocs","used_bytes","description"}], "totals", "loss"}}. */
    public static ObjectNode json(PoolUsedQuery.Result r) {
        ObjectNode root = Json.object();
        root.put("sort", r.sort().jsonName());
        root.put("source", r.snapshot().source());
        ArrayNode tags = root.putArray("tags");
        for (PoolUsedQuery.Row row : r.rows()) {
            for (TagUsage u : new TagUsage[] {row.nonPaged(), row.paged()}) {
                if (u == null) {
                    continue;
                }
                ObjectNode n = tags.addObject();
                n.put("tag", u.tag());
                n.put("kind", u.kind().label());
                n.put("pool", u.pool().label());
                n.put("allocs", u.live());
                n.put("used_bytes", u.bytes());
                putKnown(n, "allocs_total", u.allocs());
                putKnown(n, "frees_total", u.frees());
                n.put("description", u.description());
            }
        }
        PoolUsedQuery.Totals t = r.totals();
        ObjectNode totals = root.putObject("totals");
        ObjectNode np = totals.putObject("NonPaged");
        np.put("allocs", t.nonPagedLive());
        np.put("used_bytes", t.nonPagedBytes());
        ObjectNode p = totals.putObject("Paged");
        p.put("allocs", t.pagedLive());
        p.put("used_bytes", t.pagedBytes());
        root.set("loss", Json.loss(r.snapshot().loss()));
        return root;
    }

    private static void putKnown(ObjectNode n, String field, long v) {
        if (v == TagUsage.UNKNOWN) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }
}
