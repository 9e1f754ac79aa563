package pooltag.core.ledger;

import java.util.Arrays;

import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.tag.TagKind;

/**
 * The ledger's tags of every kind it keeps (cache, site, module, stack) with PoolMon's counters for each: dense ids
 * per kind, names, the pool of each cache tag and the module of each site tag. {@link EventTagger} and
 * {@link StackAttacher} create tags; pairing in {@link Ledger} moves the counters; queries and
 * {@link SnapshotPublisher} read them. Writer thread only.
 *
 * <p>Invariants: a cache tag's pool and a site tag's module are fixed when the tag is created. An allocation's
 * counters move in its cache tag's pool for every kind, so a site that allocates from a Paged and a NonPaged cache
 * has a row in each. Stack tag ids are stack ids ({@link StackAttacher} adds a stack tag for every new stack).
 */
final class TagRegistry {
    final TagTable caches = new TagTable();
    final TagTable sites = new TagTable();
    final TagTable modules = new TagTable();
    final TagTable stacks = new TagTable();
    /** {@link Pool#ordinal()} per cache tag. */
    private byte[] cachePool = new byte[64];
    /** Module tag per site tag. */
    private int[] siteModule = new int[64];
    /** Cgroup tags, or null when the ledger does not tag by cgroup ({@link Ledger#tagByCgroup}). */
    CgroupTags cgroups;

    TagTable table(TagKind kind) {
        return switch (kind) {
            case CACHE -> caches;
            case SITE -> sites;
            case MODULE -> modules;
            case STACK -> stacks;
            case CGROUP, CGROUP_CACHE, CGROUP_SITE -> {
                if (cgroups == null) {
                    throw new IllegalArgumentException("the ledger has no " + kind.label() + " tags: tag by cgroup"
                            + " (--tag-by cgroup)");
                }
                yield cgroups.table(kind);
            }
            default -> throw new IllegalArgumentException("the ledger has no " + kind.label() + " tags");
        };
    }

    /** The pool ordinal of a cache tag. */
    int pool(int cacheTag) {
        return cachePool[cacheTag];
    }

    /**
     * Names merged into a cache tag's cache, set once when the tag is made (a few caches per session, never per
     * event); concurrent because a view may rank while the merge thread adds caches.
     */
    private final java.util.Map<Integer, java.util.List<String>> cacheAliases =
            new java.util.concurrent.ConcurrentHashMap<>();

    void setAliases(int cacheTag, java.util.List<String> aliases) {
        if (!aliases.isEmpty()) {
            cacheAliases.putIfAbsent(cacheTag, java.util.List.copyOf(aliases));
        }
    }

    /**
     * The caches an unnamed-cache tag ({@code kmem_cache-<size>}) may be, gathered over every size pair that reached it:
     * sorted, distinct, added to in place (a hostile recording's many pairs cost a set insert each, not a copy).
     */
    private final java.util.Map<Integer, java.util.concurrent.ConcurrentSkipListSet<String>> candidateAliases =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Adds names to a tag's candidates; {@link #aliases} then lists them instead of the tag's merged names. */
    void addAliases(int cacheTag, java.util.List<String> more) {
        if (!more.isEmpty()) {
            candidateAliases.computeIfAbsent(cacheTag, t -> new java.util.concurrent.ConcurrentSkipListSet<>())
                    .addAll(more);
        }
    }

    java.util.List<String> aliases(int cacheTag) {
        java.util.Set<String> candidates = candidateAliases.get(cacheTag);
        if (candidates != null) {
            return java.util.List.copyOf(candidates);
        }
        return cacheAliases.getOrDefault(cacheTag, java.util.List.of());
    }

    int moduleOf(int siteTag) {
        return siteModule[siteTag];
    }

    /** Adds a cache tag (the caller has checked that the name is new and within the limits). */
    int addCache(String name, Pool pool) {
        int t = caches.add(name);
        if (t >= cachePool.length) {
            cachePool = Arrays.copyOf(cachePool, cachePool.length * 2);
        }
        cachePool[t] = (byte) pool.ordinal();
        return t;
    }

    /** The site tag of {@code name}, created with {@code module} on first use (the first module stays). */
    int internSite(String name, String module) {
        int before = sites.count;
        int t = sites.intern(name);
        if (t == before) {
            if (t >= siteModule.length) {
                siteModule = Arrays.copyOf(siteModule, siteModule.length * 2);
            }
            siteModule[t] = modules.intern(module);
        }
        return t;
    }

    /** A new allocation of {@code size} bytes in pool {@code pool}: counted for its cache, site and module. */
    void alloc(int cache, int site, int pool, int size) {
        caches.alloc(cache, pool, size);
        sites.alloc(site, pool, size);
        modules.alloc(siteModule[site], pool, size);
    }

    /** An outstanding allocation of this cache and site was found freed without a free event (see TagTable.stale). */
    void stale(int cache, int site) {
        caches.stale[cache]++;
        sites.stale[site]++;
    }

    /** A stack was attached to an outstanding allocation: it counts as an allocation of the stack tag. */
    void allocStack(int stack, int pool, int size) {
        stacks.alloc(stack, pool, size);
    }

    /** A free paired with its allocation; {@code stack} is -1 when it had none. */
    void free(int cache, int site, int stack, int pool, int size) {
        caches.free(cache, pool, size);
        sites.free(site, pool, size);
        modules.free(siteModule[site], pool, size);
        if (stack >= 0) {
            stacks.free(stack, pool, size);
        }
    }

    /** An outstanding allocation written off without a free: live and bytes drop, frees do not grow. */
    void drop(int cache, int site, int stack, int pool, int size) {
        caches.drop(cache, pool, size);
        sites.drop(site, pool, size);
        modules.drop(siteModule[site], pool, size);
        if (stack >= 0) {
            stacks.drop(stack, pool, size);
        }
    }

    /** What a row of this tag says beside its counters: a site's module, else nothing. */
    String description(TagKind kind, int tagId) {
        return kind == TagKind.SITE ? modules.names[siteModule[tagId]] : "";
    }

    TagUsage usage(TagKind kind, int tagId, Pool pool) {
        TagTable t = table(kind);
        int p = pool.ordinal();
        return new TagUsage(t.names[tagId], kind, pool, t.counter(tagId, p, TagTable.ALLOCS),
                t.counter(tagId, p, TagTable.FREES), t.counter(tagId, p, TagTable.LIVE),
                t.counter(tagId, p, TagTable.BYTES), description(kind, tagId));
    }

    /** Bytes allocated since the ledger began (freed or not) by one tag in one pool. */
    long allocatedBytes(TagKind kind, int tagId, Pool pool) {
        return table(kind).counter(tagId, pool.ordinal(), TagTable.ALLOC_BYTES);
    }
}
