package pooltag.core.ledger;

import java.util.Arrays;

import pooltag.core.collect.LongIntHashMap;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.Gfp;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.KmallocName;

/**
 * Gives each allocation event its cache tag and its site tag (the site's module comes with it), creating tags on
 * first sight in the {@link TagRegistry}. Names are resolved once per distinct cache id, size class or call site
 * (through the {@link CacheCatalog} and the {@link SymbolResolver}); after that an event costs an array index for
 * its cache and one primitive-map probe for its call site, no allocation. Writer thread only.
 *
 * <ul>
 *   <li>cache: the event's cache id; for kmalloc (cache id -1) the size class, spelled by {@link KmallocName}
 *       ({@code kmalloc-1k}, {@code kmalloc-cg-192}, {@code kmalloc-rcl-2k} (Paged), {@code dma-kmalloc-64}) by
 *       the GFP bits in {@link Gfp}, accounted ones {@code kmalloc-cg-*} only where the kernel has those caches;
 *       page events {@code pages-<size>}; percpu {@code percpu}; kmem_cache allocations whose event names no cache
 *       (kernels before 6.2) by the cache the catalog finds for their object and slot sizes
 *       ({@link CacheCatalog#cacheOfSizes}), else {@code kmem_cache-<size>} by their slot size; events with no cache and another
 *       source {@code [untagged]};</li>
 *   <li>site: the function containing the call site; unresolved sites are named by their address
 *       ({@code 0xffffffff81234567}); call site 0 is {@code [no call site]}.</li>
 * </ul>
 *
 * <p>Invariants: a cache name maps to one tag whatever route reached it (a merged cache's id, or a size class met
 * both as a cache id and as a kmalloc). Cache tags stay below {@link OutstandingTable#MAX_CACHE_TAGS} and site tags
 * below {@link OutstandingTable#MAX_SITE_TAGS} (the table packs them in 12 and 20 bits); the excess folds into
 * {@link #OTHER_CACHES} / {@link #OTHER_SITES}, counted in {@link #foldedTags()}, never dropped.
 */
final class EventTagger {
    /** Where cache tags beyond {@link OutstandingTable#MAX_CACHE_TAGS} go (NonPaged, whatever their pool). */
    static final String OTHER_CACHES = "[other caches]";
    /** Where site tags beyond {@link OutstandingTable#MAX_SITE_TAGS} go. */
    static final String OTHER_SITES = "[other sites]";
    private static final String UNKNOWN_MODULE = "[unknown]";
    /** kmalloc sizes up to this, multiples of 8, are looked up in a flat array instead of the map. */
    private static final int KMALLOC_DIRECT_MAX = 8192;
    private static final int KMALLOC_DIRECT_SLOTS = KMALLOC_DIRECT_MAX / 8 + 1;
    /** The size-tag key's variant for page events, beside the {@link KmallocName} variants. */
    private static final int VARIANT_PAGE = KmallocName.VARIANTS;
    /** Sizes at or above this (bytes) are not packed into {@link #unnamedCacheTags}' keys: no slab object is so large. */
    private static final long UNNAMED_SIZE_LIMIT = 1L << 31;
    /** Candidate caches joined into a tag name at most; more are tagged {@code kmem_cache-<size>}. */
    private static final int MAX_JOINED_CANDIDATES = 3;

    private final CacheCatalog catalog;
    private final SymbolResolver symbols;
    private final TagRegistry tags;

    /** Cache tag per source cache id, -1 = not yet seen. */
    private int[] cacheIdTag = new int[0];
    /** Cache tag per (kmalloc variant, bytes / 8) for bytes <= 8 KiB and multiples of 8; -1 = not yet seen. */
    private final int[] kmallocDirect = new int[KmallocName.VARIANTS * KMALLOC_DIRECT_SLOTS];
    /** Cache tag per (variant << 56 | bytes) for the other sizes and for page events. */
    private final LongIntHashMap sizeTags = new LongIntHashMap(64, -1);
    /**
     * Cache tag per (cache accounting + 1) << 62 | bytes_req << 31 | bytes_alloc of kmem_cache events that name no
     * cache (sizes below 2^31), or per -1 - bytes_alloc for larger sizes.
     */
    private final LongIntHashMap unnamedCacheTags = new LongIntHashMap(64, -1);
    private final LongIntHashMap siteByCallSite = new LongIntHashMap(1024, -1);
    private final LongIntHashMap siteByFunction = new LongIntHashMap(1024, -1);
    /** Whether kmalloc-cg-* caches exist: -1 not asked yet, else 0 or 1 ({@link #accountedKmallocCaches}). */
    private int accountedCaches = -1;
    private int percpuTag = -1;
    private int untaggedTag = -1;
    private long foldedTags;

    EventTagger(CacheCatalog catalog, SymbolResolver symbols, TagRegistry tags) {
        this.catalog = catalog;
        this.symbols = symbols;
        this.tags = tags;
        Arrays.fill(kmallocDirect, -1);
    }

    /** Distinct cache or site names that went to the overflow tags. */
    long foldedTags() {
        return foldedTags;
    }

    int cacheTag(AllocEvent e) {
        int id = e.cacheId();
        if (id >= 0) {
            if (id < cacheIdTag.length) {
                int t = cacheIdTag[id];
                if (t >= 0) {
                    return t;
                }
            }
            return newCacheId(id);
        }
        int src = e.source();
        if (src == AllocEvent.SOURCE_KMALLOC) {
            int variant = Gfp.kmallocVariant(e.gfpFlags());
            if (variant == KmallocName.CG && !accountedKmallocCaches()) {
                variant = KmallocName.NORMAL;
            }
            return kmallocTag(variant, e.bytesAllocated());
        }
        if (src == AllocEvent.SOURCE_PAGE) {
            return sizeTag(VARIANT_PAGE, e.bytesAllocated());
        }
        if (src == AllocEvent.SOURCE_KMEM_CACHE) {
            return unnamedCacheTag(e.bytesRequested(), e.bytesAllocated(), e.cacheAccounting());
        }
        if (src == AllocEvent.SOURCE_PERCPU) {
            if (percpuTag < 0) {
                percpuTag = cacheTag("percpu", Pool.NONPAGED);
            }
            return percpuTag;
        }
        if (untaggedTag < 0) {
            untaggedTag = cacheTag("[untagged]", Pool.NONPAGED);
        }
        return untaggedTag;
    }

    /** {@link CacheCatalog#hasAccountedKmallocCaches}, asked once, at the first accounted kmalloc. */
    private boolean accountedKmallocCaches() {
        if (accountedCaches < 0) {
            accountedCaches = catalog.hasAccountedKmallocCaches() ? 1 : 0;
        }
        return accountedCaches == 1;
    }

    private int kmallocTag(int variant, long bytes) {
        if (bytes <= KMALLOC_DIRECT_MAX && bytes >= 0 && (bytes & 7) == 0) {
            int i = variant * KMALLOC_DIRECT_SLOTS + (int) (bytes >>> 3);
            int t = kmallocDirect[i];
            if (t < 0) {
                t = sizeTag(variant, bytes);
                kmallocDirect[i] = t;
            }
            return t;
        }
        return sizeTag(variant, bytes);
    }

    private int sizeTag(int variant, long bytes) {
        long key = ((long) variant << 56) | (bytes & 0x00ff_ffff_ffff_ffffL);
        int t = sizeTags.get(key);
        if (t < 0) {
            if (variant == VARIANT_PAGE) {
                t = cacheTag("pages-" + KmallocName.size(bytes), Pool.NONPAGED);
            } else {
                // kmalloc-rcl-* caches are created SLAB_RECLAIM_ACCOUNT: Paged.
                t = cacheTag(KmallocName.of(variant, bytes), variant == KmallocName.RCL ? Pool.PAGED : Pool.NONPAGED);
            }
            sizeTags.put(key, t);
        }
        return t;
    }

    /**
     * A kmem_cache allocation whose event names no cache: the catalog's one cache of those sizes; else, when a few
     * caches have them, their names joined ({@code dentry|proc_dir_entry}: allocations that differ in their sizes or
     * their accounting never share a tag, as they never share a cache); else {@code kmem_cache-<bytes_alloc>}. The
     * candidates are the tag's aliases. Pool: the one cache's, else Paged only when every candidate is reclaimable.
     */
    private int unnamedCacheTag(long bytesRequested, long bytesAllocated, int accounting) {
        boolean packable = bytesRequested >= 0 && bytesRequested < UNNAMED_SIZE_LIMIT
                && bytesAllocated >= 0 && bytesAllocated < UNNAMED_SIZE_LIMIT;
        long key = packable ? (long) (accounting + 1) << 62 | bytesRequested << 31 | bytesAllocated
                : -1 - (bytesAllocated & 0x7fff_ffff_ffffL);
        int t = unnamedCacheTags.get(key);
        if (t < 0) {
            CacheCatalog.SizedCache c = packable
                    ? catalog.cacheOfSizes(bytesRequested, bytesAllocated, accounting) : null;
            if (c != null && c.name() != null) {
                t = cacheTag(c.name(), c.pool());
                tags.setAliases(t, c.aliases());
            } else if (c != null && c.candidates().size() <= MAX_JOINED_CANDIDATES) {
                t = cacheTag(String.join(CacheCatalog.CANDIDATE_SEPARATOR, c.candidates()), c.pool());
                tags.setAliases(t, c.candidates());
            } else {
                t = cacheTag(CacheCatalog.UNNAMED_CACHE_PREFIX + KmallocName.size(bytesAllocated), Pool.NONPAGED);
                if (c != null) {
                    tags.addAliases(t, c.candidates());
                }
            }
            unnamedCacheTags.put(key, t);
        }
        return t;
    }

    private int newCacheId(int cacheId) {
        if (cacheId >= cacheIdTag.length) {
            int old = cacheIdTag.length;
            cacheIdTag = Arrays.copyOf(cacheIdTag, Math.max(cacheId + 1, old * 2 + 16));
            Arrays.fill(cacheIdTag, old, cacheIdTag.length, -1);
        }
        String name = catalog.name(cacheId);
        if (name == null) {
            name = "cache#" + cacheId;
        }
        Pool pool = catalog.pool(cacheId);
        int t = cacheTag(name, pool == null ? Pool.NONPAGED : pool);
        cacheIdTag[cacheId] = t;
        tags.setAliases(t, catalog.aliases(cacheId));
        return t;
    }

    /** Merged caches and size classes reached by two routes share one tag: the name decides. */
    private int cacheTag(String name, Pool pool) {
        TagTable caches = tags.caches;
        int existing = caches.find(name);
        if (existing >= 0) {
            return existing;
        }
        if (caches.count >= OutstandingTable.MAX_CACHE_TAGS - 1) {
            foldedTags++;
            int other = caches.find(OTHER_CACHES);
            return other >= 0 ? other : tags.addCache(OTHER_CACHES, Pool.NONPAGED);
        }
        return tags.addCache(name, pool);
    }

    int siteTag(long callSite) {
        int t = siteByCallSite.get(callSite);
        if (t >= 0) {
            return t;
        }
        t = newSite(callSite);
        siteByCallSite.put(callSite, t);
        return t;
    }

    private int newSite(long callSite) {
        if (callSite == 0) {
            return siteTag("[no call site]", UNKNOWN_MODULE);
        }
        long fn = symbols.functionStart(callSite);
        String name = null;
        String module = null;
        if (fn != 0) {
            int t = siteByFunction.get(fn);
            if (t >= 0) {
                return t;
            }
            name = symbols.name(fn);
            module = symbols.module(fn);
        } else {
            fn = callSite;
        }
        if (name == null) {
            name = "0x" + Long.toHexString(callSite);
        }
        int t = siteTag(name, module == null ? UNKNOWN_MODULE : module);
        siteByFunction.put(fn, t);
        return t;
    }

    /** Two functions with one name (static functions in two modules) share the tag; the first's module stays. */
    private int siteTag(String name, String module) {
        TagTable sites = tags.sites;
        if (sites.find(name) < 0 && sites.count >= OutstandingTable.MAX_SITE_TAGS - 1) {
            foldedTags++;
            name = OTHER_SITES;
            module = UNKNOWN_MODULE;
        }
        return tags.internSite(name, module);
    }
}
