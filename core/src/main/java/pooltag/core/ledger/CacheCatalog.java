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

    /** The tag-name prefix of a kmem_cache event's cache that its sizes do not name: {@code kmem_cache-<slot size>}. */
    String UNNAMED_CACHE_PREFIX = "kmem_cache-";
    /** Between the candidate caches of a tag named by them ({@code dentry|proc_dir_entry}). */
    String CANDIDATE_SEPARATOR = "|";

    /**
     * The caches that a kmem_cache event naming none may come from, by its sizes: one ({@code name}, {@code pool} and
     * its merged names in {@code aliases}), or several ({@code name} null, {@code candidates} their names, sorted;
     * {@code pool} Paged only when all are reclaimable).
     */
    record SizedCache(String name, Pool pool, java.util.List<String> aliases, java.util.List<String> candidates) {
    }

    /**
     * The cache whose objects are {@code objectSize} bytes in {@code slabSize}-byte slots: what a kmem_cache_alloc
     * event tells of its cache on kernels before 6.2, which carry {@code bytes_req} and {@code bytes_alloc} but no
     * name. {@code accounting} is {@link pooltag.core.event.AllocEvent#cacheAccounting()}. Null when the source
     * does not know the sizes or no cache has them; when several have them, their names. The event is then tagged by
     * its slot size ({@code kmem_cache-<size>}). Asked once per distinct (sizes, accounting), on the writer thread.
     */
    default SizedCache cacheOfSizes(long objectSize, long slabSize, int accounting) {
        return null;
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
