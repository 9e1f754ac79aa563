package pooltag.cli.render;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.core.cgroup.CgroupGrowth;
import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.core.cgroup.CgroupUsage;
import pooltag.core.cgroup.KernelMemoryKind;
import pooltag.core.snapshot.Loss;
import pooltag.core.tag.TagPattern;

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

    /** The rows matching {@code pattern}, by own kernel bytes, at most {@code top} (0: all). */
    public static List<CgroupUsage> select(CgroupSnapshot s, TagPattern pattern, int top) {
        List<CgroupUsage> rows = new ArrayList<>();
        for (CgroupUsage u : s.rows()) {
            if (pattern.matches(u.path())) {
                rows.add(u);
            }
        }
        rows.sort(Comparator.comparingLong(CgroupUsage::selfTotal).reversed().thenComparing(CgroupUsage::path));
        return top > 0 && rows.size() > top ? rows.subList(0, top) : rows;
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
        out.printf(" %d of %d cgroups shown; %d could not be read (removed while reading)%n", rows.size(), total,
                s.unreadable());
        out.flush();
    }

    private static int width(KernelMemoryKind k) {
        return Math.max(10, k.label().length());
    }

    public static ObjectNode json(CgroupSnapshot s, List<CgroupUsage> rows) {
        ObjectNode root = Json.object();
        root.put("source", s.source());
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
        root.put("unreadable_cgroups", s.unreadable());
        // Accounting files lose nothing; skipped_records = cgroups that vanished during the walk.
        root.set("loss", Json.loss(new Loss(0, 0, s.unreadable(), false)));
        return root;
    }

    /** {@code mon --by cgroup}'s summary: the cgroups whose own kernel memory grew, most first. */
    public static void printGrowth(PrintWriter out, CgroupSnapshot first, CgroupSnapshot last, TagPattern pattern) {
        List<CgroupGrowth.Growth> grown = new ArrayList<>();
        for (CgroupGrowth.Growth g : CgroupGrowth.grown(first, last)) {
            if (pattern.matches(g.path())) {
                grown.add(g);
            }
        }
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

    public static ObjectNode growthJson(CgroupSnapshot first, CgroupSnapshot last) {
        ObjectNode root = Json.object();
        root.put("seconds", (last.takenAtNanos() - first.takenAtNanos()) / 1e9);
        ArrayNode a = root.putArray("grown");
        for (CgroupGrowth.Growth g : CgroupGrowth.grown(first, last)) {
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
