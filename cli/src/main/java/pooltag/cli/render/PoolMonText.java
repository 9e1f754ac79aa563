package pooltag.cli.render;

import java.util.ArrayList;
import java.util.List;

import pooltag.core.snapshot.PoolMonModel;
import pooltag.core.snapshot.TagUsage;

/**
 * PoolMon's rows as text. The screen has change columns in parentheses ({@code Allocs (chg) Frees (chg) Diff
 * Bytes (chg) Per Alloc}); a {@code /n} snapshot has none. Counters the source does not know print as {@code -}.
 * The tag column widens for tags longer than four characters.
 */
public final class PoolMonText {
    private PoolMonText() {
    }

    public static int tagWidth(List<PoolMonModel.Row> rows) {
        int w = 4;
        for (PoolMonModel.Row r : rows) {
            w = Math.max(w, r.now().tag().length());
        }
        return w;
    }

    public static String screenHeader(int w) {
        return String.format(" %-" + w + "s %-5s %9s %6s %9s %6s %8s %9s %8s %9s", "Tag", "Type", "Allocs", "", "Frees",
                "", "Diff", "Bytes", "", "Per Alloc");
    }

    public static String screenRow(int w, PoolMonModel.Row r) {
        TagUsage u = r.now();
        return String.format(" %-" + w + "s %-5s %9s (%4s) %9s (%4s) %8d %9d (%6s) %9d", u.tag(), u.pool().poolmonType(),
                known(u.allocs()), known(r.allocsChange()), known(u.frees()), known(r.freesChange()), u.live(),
                u.bytes(), known(r.bytesChange()), u.bytesPerAlloc());
    }

    public static String screenTotals(int w, PoolMonModel.Totals t) {
        return String.format(" %-" + w + "s %-5s %9s %6s %9s %6s %8d %9d %8s %9s", "Total", "", known(t.allocs()), "",
                known(t.frees()), "", t.live(), t.bytes(), "", "");
    }

    /** PoolMon {@code /n} snapshot lines: a header, a blank line, then one row per (tag, pool). */
    public static List<String> snapshot(List<PoolMonModel.Row> rows) {
        int w = tagWidth(rows);
        List<String> out = new ArrayList<>(rows.size() + 2);
        out.add(String.format(" %-" + w + "s %-5s %9s %9s %9s %10s %10s", "Tag", "Type", "Allocs", "Frees", "Diff",
                "Bytes", "Per Alloc"));
        out.add("");
        for (PoolMonModel.Row r : rows) {
            TagUsage u = r.now();
            out.add(String.format(" %-" + w + "s %-5s %9s %9s %9d %10d %10d", u.tag(), u.pool().poolmonType(),
                    known(u.allocs()), known(u.frees()), u.live(), u.bytes(), u.bytesPerAlloc()));
        }
        return out;
    }

    static String known(long v) {
        return v == TagUsage.UNKNOWN ? "-" : Long.toString(v);
    }
}
