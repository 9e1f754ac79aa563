package pooltag.core.cgroup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel memory of every cgroup of the memory hierarchy at one moment: the per-cgroup counterpart of a
 * {@link pooltag.core.snapshot.UsageSnapshot}. Immutable.
 *
 * @param takenAtNanos when it was read, CLOCK_MONOTONIC ns
 * @param source       what was read ({@code cgroup v1 memory at /sys/fs/cgroup/memory})
 * @param kinds        the kinds this hierarchy reports, in {@link KernelMemoryKind} order
 * @param rows         one per cgroup, parents before children
 * @param left         cgroups the walk has no row for, by why: counted, never silently dropped
 */
public record CgroupSnapshot(long takenAtNanos, String source, List<KernelMemoryKind> kinds, List<CgroupUsage> rows,
                             Left left) {
    public CgroupSnapshot {
        kinds = List.copyOf(kinds);
        rows = List.copyOf(rows);
    }

    /**
     * Cgroups without a row, by cause.
     *
     * @param vanished     removed (or unreadable) while the walk read them
     * @param overCap      beyond the walk's bound on cgroups per snapshot: the snapshot is truncated
     * @param noController directories without the memory controller's files (v2: not in the parent's
     *                     {@code cgroup.subtree_control}); nothing is charged to them apart from their parent
     */
    public record Left(long vanished, long overCap, long noController) {
        public static final Left NONE = new Left(0, 0, 0);
    }

    /** Every cgroup without a row, whatever the cause. */
    public long unreadable() {
        return left.vanished() + left.overCap() + left.noController();
    }

    /** True when the walk stopped at its bound: cgroups exist that no row, total or growth includes. */
    public boolean truncated() {
        return left.overCap() > 0;
    }

    /** The row of {@code path}, or null. */
    public CgroupUsage row(String path) {
        for (CgroupUsage u : rows) {
            if (u.path().equals(path)) {
                return u;
            }
        }
        return null;
    }

    /**
     * Builds a snapshot from the kernel's hierarchical values: each cgroup's self value is its value minus the sum
     * of its direct children's (never below 0: the kernel updates a parent's counters a little after a child's, so a
     * read can catch them a page apart).
     *
     * @param subtree per path ({@code /}, {@code /a}, {@code /a/b}), per kind ordinal, the kernel's values
     */
    public static CgroupSnapshot ofHierarchical(long takenAtNanos, String source, List<KernelMemoryKind> kinds,
                                                Map<String, long[]> subtree, Left left) {
        int n = KernelMemoryKind.values().length;
        Map<String, long[]> childSums = new HashMap<>();
        for (Map.Entry<String, long[]> e : subtree.entrySet()) {
            String parent = parent(e.getKey());
            if (parent == null || !subtree.containsKey(parent)) {
                continue;
            }
            long[] s = childSums.computeIfAbsent(parent, p -> new long[n]);
            for (int k = 0; k < n; k++) {
                if (e.getValue()[k] > 0) {
                    s[k] += e.getValue()[k];
                }
            }
        }
        List<String> paths = new ArrayList<>(subtree.keySet());
        paths.sort(Comparator.naturalOrder());
        List<CgroupUsage> rows = new ArrayList<>(paths.size());
        for (String p : paths) {
            long[] v = subtree.get(p);
            long[] c = childSums.get(p);
            long[] self = new long[n];
            for (int k = 0; k < n; k++) {
                self[k] = v[k] == CgroupUsage.UNKNOWN ? CgroupUsage.UNKNOWN
                        : Math.max(0, v[k] - (c == null ? 0 : c[k]));
            }
            rows.add(new CgroupUsage(p, self, v));
        }
        return new CgroupSnapshot(takenAtNanos, source, kinds, rows, left);
    }

    /** {@code /a/b} → {@code /a}, {@code /a} → {@code /}, {@code /} → null. */
    public static String parent(String path) {
        if (path.equals("/")) {
            return null;
        }
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }
}
