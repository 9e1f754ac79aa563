package pooltag.cli.render;

import java.io.PrintWriter;

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
        if (r.verbose()) {
            out.println(pad + "            NonPaged                               Paged");
            out.printf(" %-" + w + "s %8s %8s %8s %8s %8s %8s %8s %8s%n", "Tag", "Allocs", "Frees", "Diff", "Used",
                    "Allocs", "Frees", "Diff", "Used");
        } else {
            out.println(pad + "               NonPaged                  Paged");
            out.printf(" %-" + w + "s %9s %12s %10s %12s%n", "Tag", "Allocs", "Used", "Allocs", "Used");
        }
        out.println();
        for (PoolUsedQuery.Row row : r.rows()) {
            String desc = row.description().isEmpty() ? "" : "\t" + row.description();
            if (r.verbose()) {
                out.printf(" %-" + w + "s %8s %8s %8d %8d %8s %8s %8d %8d%s%n", row.tag(),
                        count(row.nonPaged(), true), count(row.nonPaged(), false), live(row.nonPaged()),
                        row.nonPagedBytes(), count(row.paged(), true), count(row.paged(), false), live(row.paged()),
                        row.pagedBytes(), desc);
            } else {
                out.printf(" %-" + w + "s %9d %12d %10d %12d%s%n", row.tag(), live(row.nonPaged()),
                        row.nonPagedBytes(), live(row.paged()), row.pagedBytes(), desc);
            }
        }
        PoolUsedQuery.Totals t = r.totals();
        out.println();
        if (r.verbose()) {
            // "TOTAL" is one wider than a 4-character tag: it takes the separator's place so the numbers align.
            out.printf(" %-" + (w + 1) + "s%8s %8s %8d %8d %8s %8s %8d %8d%n", "TOTAL", known(t.nonPagedAllocs()),
                    known(t.nonPagedFrees()), t.nonPagedLive(), t.nonPagedBytes(), known(t.pagedAllocs()),
                    known(t.pagedFrees()), t.pagedLive(), t.pagedBytes());
        } else {
            out.printf(" %-" + (w + 1) + "s%9d %12d %10d %12d%n", "TOTAL", t.nonPagedLive(), t.nonPagedBytes(),
                    t.pagedLive(), t.pagedBytes());
        }
        Loss loss = r.snapshot().loss();
        if (!loss.equals(Loss.NONE)) {
            out.println(LossLine.of(loss));
        }
        out.flush();
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
