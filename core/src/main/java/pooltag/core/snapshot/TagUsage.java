package pooltag.core.snapshot;

import pooltag.core.tag.TagKind;

/**
 * Usage of one tag in one pool at one moment: the unit of a {@link UsageSnapshot}.
 *
 * @param tag         the tag as printed ({@code dentry}, {@code vmalloc:alloc_large_system_hash}, {@code Abc })
 * @param kind        what the tag names
 * @param pool        NonPaged or Paged
 * @param allocs      allocations since counting began, or {@link #UNKNOWN} (procfs does not count them)
 * @param frees       frees since counting began, or {@link #UNKNOWN}
 * @param live        allocations outstanding now (PoolMon's Diff; {@code !poolused}'s Allocs)
 * @param bytes       bytes those outstanding allocations hold
 * @param description owner or explanation (aliases of a merged cache, the pooltag.txt line), or ""
 * @param liveSlack   how far {@code live} can be from the allocations really outstanding, in allocations, because of
 *                    how the source counts: SLUB's {@code /proc/slabinfo} counts every object of a per-CPU slab as
 *                    live, so allocations served from those free objects do not move it; 0 for an exact count
 */
public record TagUsage(String tag, TagKind kind, Pool pool, long allocs, long frees, long live, long bytes,
                       String description, long liveSlack) {
    /** A counter the source does not provide. */
    public static final long UNKNOWN = -1;

    public TagUsage {
        if (tag == null || kind == null || pool == null) {
            throw new NullPointerException("tag, kind and pool are required");
        }
        if (description == null) {
            description = "";
        }
        if (liveSlack < 0) {
            throw new IllegalArgumentException("liveSlack must be >= 0: " + liveSlack);
        }
    }

    /** A row whose live count is exact (the ledger's, a Windows capture's). */
    public TagUsage(String tag, TagKind kind, Pool pool, long allocs, long frees, long live, long bytes,
                    String description) {
        this(tag, kind, pool, allocs, frees, live, bytes, description, 0);
    }

    /** PoolMon's Per Alloc: bytes / outstanding allocations, 0 when none are outstanding. */
    public long bytesPerAlloc() {
        return live == 0 ? 0 : bytes / live;
    }
}
