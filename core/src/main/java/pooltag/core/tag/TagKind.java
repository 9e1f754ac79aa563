package pooltag.core.tag;

/**
 * What a tag names. Linux has four kinds of its own (see docs/workflow in the shared docs); Windows captures
 * carry the classic four-character pool tag.
 */
public enum TagKind {
    /** A slab cache: {@code dentry}, {@code kmalloc-64}. Merged caches carry their aliases. */
    CACHE("cache"),
    /** The kernel function that called the allocator ({@code call_site}): {@code alloc_pipe_info}. */
    SITE("site"),
    /** The module that owns the call site: {@code [kernel]}, {@code [xfs]}. */
    MODULE("module"),
    /** One distinct call path, printed {@code ~3fa2c1d0}. */
    STACK("stack"),
    /** A {@code /proc/vmallocinfo} caller: {@code vmalloc:<caller>}. */
    VMALLOC("vmalloc"),
    /** A Windows pool tag (four bytes, from a WinDbg, PoolMon or Driver Verifier capture). */
    POOL("pool"),
    /**
     * The control group of the task that allocated ({@code /kubepods/pod1234/abcd}, the memory hierarchy's path),
     * or a context that has none: {@code [hardirq]}, {@code [softirq]}, {@code [nmi]}, {@code [kernel thread]},
     * {@code [exited]} (the task was gone before its cgroup was read). Never guessed.
     */
    CGROUP("cgroup"),
    /** A (cgroup, cache) pair, printed {@code cache@cgroup}: {@code kmalloc-cg-1k@/kubepods/pod1}. */
    CGROUP_CACHE("cgroup,cache"),
    /** A (cgroup, call site) pair, printed {@code site@cgroup}: {@code alloc_pipe_info@/kubepods/pod1}. */
    CGROUP_SITE("cgroup,site");

    private final String label;

    TagKind(String label) {
        this.label = label;
    }

    /** True for the kinds a ledger keeps only when it tags by cgroup: {@link #CGROUP} and its two pair kinds. */
    public boolean isCgroup() {
        return this == CGROUP || this == CGROUP_CACHE || this == CGROUP_SITE;
    }

    /** The lower-case name used in JSON and in {@code kind:} prefixes. */
    public String label() {
        return label;
    }
}
