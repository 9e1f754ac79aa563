package pooltag.core.cgroup;

import pooltag.core.snapshot.Pool;

/**
 * The kinds of kernel memory the memory controller charges to a cgroup, as its accounting files name them. Which
 * kinds a cgroup shows depends on the hierarchy: cgroup v2's {@code memory.stat} breaks kernel memory down
 * ({@link #SLAB_RECLAIMABLE} to {@link #VMALLOC}); cgroup v1 has one total, {@code memory.kmem.usage_in_bytes}
 * ({@link #KMEM}), and TCP socket buffers apart, {@code memory.kmem.tcp.usage_in_bytes} ({@link #SOCK}). The kinds a
 * hierarchy shows are disjoint, so a cgroup's kernel total is their sum. All values are bytes.
 */
public enum KernelMemoryKind {
    /** v2 {@code slab_reclaimable}: reclaimable slab (dentries, inodes): the Paged pool. */
    SLAB_RECLAIMABLE("slab_reclaimable", Pool.PAGED),
    /** v2 {@code slab_unreclaimable}: every other slab object charged to the cgroup (kmalloc-cg-*, filp, ...). */
    SLAB_UNRECLAIMABLE("slab_unreclaimable", Pool.NONPAGED),
    /** v2 {@code kernel_stack}: the kernel stacks of the cgroup's threads. */
    KERNEL_STACK("kernel_stack", Pool.NONPAGED),
    /** v2 {@code pagetables}: page tables of the cgroup's processes. */
    PAGETABLES("pagetables", Pool.NONPAGED),
    /** v2 {@code percpu}: per-CPU allocations charged to the cgroup. */
    PERCPU("percpu", Pool.NONPAGED),
    /** v2 {@code sock}, v1 {@code memory.kmem.tcp.usage_in_bytes}: socket buffers. */
    SOCK("sock", Pool.NONPAGED),
    /** v2 {@code vmalloc}: vmalloc areas charged to the cgroup. */
    VMALLOC("vmalloc", Pool.NONPAGED),
    /**
     * v1 {@code memory.kmem.usage_in_bytes}: all kernel memory charged (slab, stacks, page tables, ...) without a
     * breakdown; v1's {@code memory.stat} has no kernel fields (it counts user pages: cache, rss, ...).
     */
    KMEM("kmem", Pool.NONPAGED);

    private final String label;
    private final Pool pool;

    KernelMemoryKind(String label, Pool pool) {
        this.label = label;
        this.pool = pool;
    }

    /** As the accounting file spells it, and as JSON and the exporter's {@code kind} label carry it. */
    public String label() {
        return label;
    }

    /** {@code !poolused}'s pool: only reclaimable slab is Paged. */
    public Pool pool() {
        return pool;
    }

    /** The kind named {@code label}, or null. */
    public static KernelMemoryKind ofLabel(String label) {
        for (KernelMemoryKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        return null;
    }
}
