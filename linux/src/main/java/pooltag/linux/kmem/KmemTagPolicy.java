package pooltag.linux.kmem;

import java.util.List;
import java.util.Set;

import pooltag.core.ledger.LedgerOptions;
import pooltag.core.ledger.TagPolicy;

/**
 * What the Linux kernel's slab allocator does that the kmem tracepoints do not show, as the {@link TagPolicy} every
 * Linux ledger is made with (live tracing, recordings, the web page's uploads): kernel knowledge, with the reason for
 * each entry, kept here beside the decoder rather than in the platform-free core.
 */
public final class KmemTagPolicy {
    /**
     * Caches known to free through paths that emit no free event, seen on Linux 6.18. {@code maple_node}: freed
     * through {@code kfree_rcu} and bulk frees, no free event per object (12,118 allocations and 0 frees in one
     * run). {@code vmap_area}: freed lazily, in batches, when enough vmalloc space is waiting to be purged; a
     * seconds-long hunt sees only its growth.
     */
    public static final List<String> UNTRACEABLE_CACHES = List.of("maple_node", "vmap_area");

    /**
     * Functions that construct reclaimable objects (inodes, dentries). What they allocate on the way (LSM blobs,
     * names) lives and dies with the object, so it grows under a file scan as the Paged caches do, even when its own
     * cache is not reclaimable. {@code inode_init_always_gfp} is 6.12's name for {@code inode_init_always}.
     */
    public static final Set<String> RECLAIMABLE_CONSTRUCTORS = Set.of("alloc_inode", "inode_init_always",
            "inode_init_always_gfp", "__d_alloc", "d_alloc", "d_alloc_parallel");

    /**
     * {@code alloc_inode} allocates the inode through {@code sb->s_op->alloc_inode} (ext4_alloc_inode,
     * mqueue_alloc_inode, shmem_alloc_inode, ...): that call site makes the inode itself, and its cache says whether
     * it is reclaimable ({@code reclaim_account}: ext4 and socket inodes are, mqueue and shmem inodes are not: a POSIX
     * message queue or a memfd keeps its inode for as long as it exists).
     */
    public static final Set<String> OBJECT_CONSTRUCTORS = Set.of("alloc_inode");

    /** The policy of a Linux ledger. */
    public static final TagPolicy POLICY = new TagPolicy(Set.copyOf(UNTRACEABLE_CACHES), RECLAIMABLE_CONSTRUCTORS,
            OBJECT_CONSTRUCTORS);

    private KmemTagPolicy() {
    }

    /** A Linux ledger's options: this policy and the cap {@code maxOutstanding}. */
    public static LedgerOptions ledgerOptions(int maxOutstanding) {
        return LedgerOptions.defaults().withPolicy(POLICY).withMaxOutstanding(maxOutstanding);
    }

    /** A Linux ledger's options with the heap-sized default cap. */
    public static LedgerOptions ledgerOptions() {
        return LedgerOptions.defaults().withPolicy(POLICY);
    }
}
