package pooltag.cli.render;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.core.cgroup.CgroupGrowth;
import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.core.cgroup.CgroupUsage;
import pooltag.core.cgroup.KernelMemoryKind;
import pooltag.core.snapshot.Loss;

/**
 * {@code poolused --by cgroup} and {@code mon --by cgroup}: the kernel memory the memory controller charges to each
 * cgroup, one row per cgroup, as WinDbg's {@code !poolused} lays out a pool table. Columns: each kind the hierarchy
 * reports (the cgroup's own bytes), {@code Own} (their sum) and {@code With children} (the kernel's hierarchical
 * number). Sorted by own bytes, the cgroup that holds the most first. Kinds the hierarchy does not report are left
 * out; a {@code -} means a cgroup lacks a kind its siblings have (an older kernel).
 */
public final class CgroupTable {
    private CgroupTable() {
    }

    /** The rows whose path {@code admits}, by own kernel bytes, at most {@code top} (0: all). */
    public static List<CgroupUsage> select(CgroupSnapshot s, Predicate<String> admits, int top) {
        List<CgroupUsage> rows = new ArrayList<>();
        for (CgroupUsage u : s.rows()) {
            if (admits.test(u.path())) {
                rows.add(u);
            }
        }
        rows.sort(Comparator.comparingLong(CgroupUsage::selfTotal).reversed().thenComparing(CgroupUsage::path));
        return top > 0 && rows.size() > top ? rows.subList(0, top) : rows;
    }

    /** How many rows {@code admits}: the total {@link #select}'s top-N cut is taken from. */
    public static int matching(CgroupSnapshot s, Predicate<String> admits) {
        int n = 0;
        for (CgroupUsage u : s.rows()) {
            if (admits.test(u.path())) {
                n++;
            }
        }
        return n;
    }

    public static void print(PrintWriter out, CgroupSnapshot s, List<CgroupUsage> rows, int total) {
        out.printf(" Kernel memory per cgroup (%s), sorted by own bytes%n", s.source());
        out.println(" Own = charged to the cgroup itself; With children = the kernel's hierarchical number");
        out.println();
        int w = 6;
        for (CgroupUsage u : rows) {
            w = Math.max(w, u.path().length());
        }
        StringBuilder h = new StringBuilder(String.format(" %-" + w + "s", "Cgroup"));
        for (KernelMemoryKind k : s.kinds()) {
            h.append(String.format(" %" + width(k) + "s", k.label()));
        }
        h.append(String.format(" %12s %14s", "Own", "With children"));
        out.println(h);
        out.println();
        for (CgroupUsage u : rows) {
            StringBuilder r = new StringBuilder(String.format(" %-" + w + "s", u.path()));
            for (KernelMemoryKind k : s.kinds()) {
                long v = u.self(k);
                r.append(String.format(" %" + width(k) + "s", v == CgroupUsage.UNKNOWN ? "-" : Long.toString(v)));
            }
            r.append(String.format(" %12d %14d", u.selfTotal(), u.subtreeTotal()));
            out.println(r);
        }
        out.println();
        out.println(shownLine(s, rows.size(), total));
        out.flush();
    }

    /**
     * What the table holds and what it could not: {@code total} matching cgroups, and the walk's cgroups without a
     * row, each cause named (removed while reading; over the walk's cap, which truncates the snapshot; without the
     * memory controller).
     */
    static String shownLine(CgroupSnapshot s, int shown, int total) {
        CgroupSnapshot.Left l = s.left();
        return String.format(Locale.ROOT, " %d of %d cgroups shown; not read: %d removed while reading, %d over the"
                + " walk's cap%s, %d without the memory controller", shown, total, l.vanished(), l.overCap(),
                s.truncated() ? " (truncated)" : "", l.noController());
    }

    private static int width(KernelMemoryKind k) {
        return Math.max(10, k.label().length());
    }

    /** {@code total}: the matching cgroups {@code rows} (a top-N cut) was taken from. */
    public static ObjectNode json(CgroupSnapshot s, List<CgroupUsage> rows, int total) {
        ObjectNode root = Json.object();
        root.put("source", s.source());
        root.put("total_cgroups", total);
        root.put("shown_cgroups", rows.size());
        ArrayNode kinds = root.putArray("kinds");
        s.kinds().forEach(k -> kinds.add(k.label()));
        ArrayNode cgs = root.putArray("cgroups");
        for (CgroupUsage u : rows) {
            ObjectNode n = cgs.addObject();
            n.put("cgroup", u.path());
            ObjectNode own = n.putObject("own_bytes");
            ObjectNode sub = n.putObject("with_children_bytes");
            for (KernelMemoryKind k : s.kinds()) {
                own.put(k.label(), u.self(k));
                sub.put(k.label(), u.subtree(k));
            }
            n.put("own_total_bytes", u.selfTotal());
            n.put("with_children_total_bytes", u.subtreeTotal());
        }
        root.put("unreadable_cgroups", s.unreadable()); // the sum of the three below
        root.put("vanished_cgroups", s.left().vanished());
        root.put("over_cap_cgroups", s.left().overCap());
        root.put("no_memory_controller_cgroups", s.left().noController());
        // Accounting files lose nothing; skipped_records = cgroups that vanished during the walk, truncated = the
        // walk stopped at its cap (cgroups without the controller are charged to their parent: no loss).
        root.set("loss", Json.loss(new Loss(0, 0, s.left().vanished(), s.truncated())));
        return root;
    }

    /** {@code mon --by cgroup}'s summary: the cgroups whose own kernel memory grew, most first. */
    public static void printGrowth(PrintWriter out, CgroupSnapshot first, CgroupSnapshot last,
                                   Predicate<String> admits) {
        List<CgroupGrowth.Growth> grown = grown(first, last, admits);
        double seconds = (last.takenAtNanos() - first.takenAtNanos()) / 1e9;
        out.printf(Locale.ROOT, " Growth in %.3f s: %d cgroup%s grew%n", seconds, grown.size(), grown.size() == 1 ? "" : "s");
        if (!grown.isEmpty()) {
            int w = 6;
            for (CgroupGrowth.Growth g : grown) {
                w = Math.max(w, g.path().length());
            }
            out.printf(" %-" + w + "s %12s %12s %12s %12s%n", "Cgroup", "Own before", "Own after", "Change", "Bytes/s");
            for (CgroupGrowth.Growth g : grown) {
                out.printf(Locale.ROOT, " %-" + w + "s %12d %12d %+12d %12.1f%n", g.path(), g.before(), g.after(),
                        g.bytesChange(), g.bytesPerSecond());
            }
        }
        out.flush();
    }

    private static List<CgroupGrowth.Growth> grown(CgroupSnapshot first, CgroupSnapshot last,
                                                   Predicate<String> admits) {
        List<CgroupGrowth.Growth> grown = new ArrayList<>();
        for (CgroupGrowth.Growth g : CgroupGrowth.grown(first, last)) {
            if (admits.test(g.path())) {
                grown.add(g);
            }
        }
        return grown;
    }

    public static ObjectNode growthJson(CgroupSnapshot first, CgroupSnapshot last, Predicate<String> admits) {
        ObjectNode root = Json.object();
        root.put("seconds", (last.takenAtNanos() - first.takenAtNanos()) / 1e9);
        ArrayNode a = root.putArray("grown");
        for (CgroupGrowth.Growth g : grown(first, last, admits)) {
            ObjectNode n = a.addObject();
            n.put("cgroup", g.path());
            n.put("own_before_bytes", g.before());
            n.put("own_after_bytes", g.after());
            n.put("change_bytes", g.bytesChange());
            n.put("bytes_per_s", g.bytesPerSecond());
        }
        return root;
    }
}
