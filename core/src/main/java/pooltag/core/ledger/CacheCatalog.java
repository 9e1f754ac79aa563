package pooltag.core.ledger;

import pooltag.core.snapshot.Pool;

/**
 * The source's table of cache names ({@link pooltag.core.event.AllocEvent#cacheId()}): kmem cache names for
 * Linux, pool tags for Windows. Ids are fixed for the session; the ledger asks about each id once, on the first
 * event that carries it, on its writer thread.
 */
public interface CacheCatalog {
    /** The name of cache {@code cacheId} as events carry it ({@code dentry}, {@code maple_node}, {@code Abc }). */
    String name(int cacheId);

    /** Paged for a reclaimable cache ({@code reclaim_account} = 1) or a Windows paged-pool tag, else NonPaged. */
    Pool pool(int cacheId);

    /**
     * The other names merged into cache {@code cacheId} (SLUB merges caches of one size and flags, and events carry
     * the first creator's name: POSIX timers may arrive as {@code mnt_cache}); empty when it stands alone or the
     * source cannot tell.
     */
    default java.util.List<String> aliases(int cacheId) {
        return java.util.List.of();
    }

    /**
     * Whether {@code __GFP_ACCOUNT} kmallocs have their own {@code kmalloc-cg-*} caches on this kernel (Linux 5.14 on);
     * before, they come from the plain {@code kmalloc-*} ones, and naming them {@code kmalloc-cg-*} would name caches
     * that slabinfo does not have. True when the source cannot tell.
     */
    default boolean hasAccountedKmallocCaches() {
        return true;
    }

    /** A catalog that knows no ids: names them {@code cache#<id>}, all NonPaged. */
    CacheCatalog NONE = new CacheCatalog() {
        @Override
        public String name(int cacheId) {
            return "cache#" + cacheId;
        }

        @Override
        public Pool pool(int cacheId) {
            return Pool.NONPAGED;
        }
    };
}
