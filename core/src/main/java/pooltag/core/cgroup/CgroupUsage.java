package pooltag.core.cgroup;

import java.util.Arrays;

/**
 * One cgroup's kernel memory at one moment, per {@link KernelMemoryKind}, in bytes; {@link #UNKNOWN} for a kind
 * its hierarchy does not report.
 *
 * <p>Two views of the same numbers. The kernel's accounting files are <b>hierarchical</b>: a cgroup's value
 * includes its descendants' ({@link #subtree}). {@link #self} is the part charged to the cgroup itself: its value
 * minus its children's, so that the self values of every cgroup add up to the root's value with nothing counted
 * twice (what the exporter's {@code other} row and "which cgroup grows" need). Charges of a removed child stay in its
 * parent (the kernel reparents them), so they show as the parent's own.
 */
public final class CgroupUsage {
    /** A kind this hierarchy does not report. */
    public static final long UNKNOWN = -1;

    private final String path;
    private final long[] self;
    private final long[] subtree;

    /**
     * @param path    the cgroup's path in its hierarchy, {@code /} for the root
     * @param self    per kind ordinal, bytes charged to this cgroup alone, or {@link #UNKNOWN}
     * @param subtree per kind ordinal, bytes as the kernel reports them (this cgroup and its descendants)
     */
    public CgroupUsage(String path, long[] self, long[] subtree) {
        int n = KernelMemoryKind.values().length;
        if (path == null || self.length != n || subtree.length != n) {
            throw new IllegalArgumentException("a cgroup needs a path and one value per kind");
        }
        this.path = path;
        this.self = self.clone();
        this.subtree = subtree.clone();
    }

    public String path() {
        return path;
    }

    /** Bytes of {@code kind} charged to this cgroup alone, or {@link #UNKNOWN}. */
    public long self(KernelMemoryKind kind) {
        return self[kind.ordinal()];
    }

    /** Bytes of {@code kind} charged to this cgroup and its descendants (the kernel's number), or {@link #UNKNOWN}. */
    public long subtree(KernelMemoryKind kind) {
        return subtree[kind.ordinal()];
    }

    /** The sum of the known kinds charged to this cgroup alone. */
    public long selfTotal() {
        return sum(self);
    }

    /** The sum of the known kinds, descendants included. */
    public long subtreeTotal() {
        return sum(subtree);
    }

    public boolean knows(KernelMemoryKind kind) {
        return subtree[kind.ordinal()] != UNKNOWN;
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) {
            if (x != UNKNOWN) {
                s += x;
            }
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CgroupUsage c && c.path.equals(path) && Arrays.equals(c.self, self)
                && Arrays.equals(c.subtree, subtree);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + Arrays.hashCode(subtree);
    }

    @Override
    public String toString() {
        return path + " self " + Arrays.toString(self) + " subtree " + Arrays.toString(subtree);
    }
}
