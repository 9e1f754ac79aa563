package pooltag.core.ledger;

import java.util.Arrays;

import pooltag.core.collect.LongIntHashMap;
import pooltag.core.event.AllocEvent;
import pooltag.core.tag.TagKind;

/**
 * The ledger's cgroup tags ({@link Ledger#tagByCgroup}): the allocating task's cgroup ({@link TagKind#CGROUP}) and
 * the (cgroup, cache) and (cgroup, site) pairs ({@link TagKind#CGROUP_CACHE}, {@link TagKind#CGROUP_SITE}, named
 * {@code tag@cgroup}), with PoolMon's counters. Each outstanding allocation keeps its <i>owner</i> in the table's
 * owner column: bit 31 = accounted (memcg-charged), bits 0..30 = cgroup tag. Per allocation: one resolver call and two
 * primitive-map probes; per free: two probes. Writer thread only.
 *
 * <p>Bounded for runs of weeks (containers come and go): at most {@link #MAX_CGROUP_TAGS} cgroup tags and
 * {@link #MAX_PAIR_TAGS} tags of each pair kind. Past a limit a new cgroup folds into {@link #OTHER_CGROUPS} and a
 * new pair into {@link #OTHER_PAIRS}, counted in {@link #foldedTags()} (the ledger's {@code foldedTags}), never
 * dropped: EventTagger's rule for caches and sites. Each distinct cgroup or pair is counted once (its fold is
 * remembered: the per-id array and the pair maps hold one entry per distinct resolver id or (cgroup, tag) key, so
 * they are bounded by the resolver's paths and by the cgroup limit times the cache and site limits).
 */
final class CgroupTags {
    static final int OWNER_ACCOUNTED = 1 << 31;
    static final int OWNER_TAG = ~OWNER_ACCOUNTED;
    /** Separates a pair tag's tag from its cgroup: never in a cache or function name, so the first one splits. */
    static final char PAIR_SEPARATOR = '@';
    /** Cgroup tags kept, {@code [unresolved]} and {@link #OTHER_CGROUPS} included. */
    static final int MAX_CGROUP_TAGS = 4_096;
    /** Tags kept per pair kind ((cgroup, cache), (cgroup, site)), {@link #OTHER_PAIRS} included. */
    static final int MAX_PAIR_TAGS = 65_536;
    /** Where cgroups beyond {@link #MAX_CGROUP_TAGS} go. */
    static final String OTHER_CGROUPS = "[other cgroups]";
    /** Where pairs beyond {@link #MAX_PAIR_TAGS} go (no separator: neither its tag nor its cgroup is known). */
    static final String OTHER_PAIRS = "[other pairs]";
    /** The cgroup of an allocation the resolver could not place. */
    static final String UNRESOLVED = "[unresolved]";

    final TagTable cgroups = new TagTable();
    final TagTable cgroupCaches = new TagTable();
    final TagTable cgroupSites = new TagTable();
    private final CgroupResolver resolver;
    private final TagRegistry tags;
    private final LongIntHashMap cacheIds = new LongIntHashMap(256, -1);
    private final LongIntHashMap siteIds = new LongIntHashMap(1024, -1);
    /** Cgroup tag per resolver id, -1 = not yet seen. */
    private int[] idTag = new int[0];
    /** The tag of {@code [unresolved]} (a resolver id < 0 or without a path), interned once: no String lookup per event. */
    private final int unresolvedTag;
    private long foldedTags;

    CgroupTags(CgroupResolver resolver, TagRegistry tags) {
        this.resolver = resolver;
        this.tags = tags;
        this.unresolvedTag = cgroups.intern(UNRESOLVED);
    }

    /** Distinct cgroups and pairs that went to {@link #OTHER_CGROUPS} / {@link #OTHER_PAIRS}. */
    long foldedTags() {
        return foldedTags;
    }

    TagTable table(TagKind kind) {
        return switch (kind) {
            case CGROUP -> cgroups;
            case CGROUP_CACHE -> cgroupCaches;
            case CGROUP_SITE -> cgroupSites;
            default -> throw new IllegalArgumentException("not a cgroup kind: " + kind.label());
        };
    }

    /** A task was created: the resolver may follow it ({@link CgroupResolver#onNewTask}). */
    void onNewTask(AllocEvent e) {
        resolver.onNewTask(e);
    }

    /** A task was moved into a cgroup ({@link CgroupResolver#onTaskMove}). */
    void onTaskMove(AllocEvent e) {
        resolver.onTaskMove(e);
    }

    /** The owner word of a new allocation: its cgroup tag and accounted bit. */
    int ownerOf(AllocEvent e) {
        int cg = cgroupTag(e);
        return e.accounted() ? cg | OWNER_ACCOUNTED : cg;
    }

    private int cgroupTag(AllocEvent e) {
        int id = resolver.cgroupOf(e);
        if (id < 0) {
            return unresolvedTag;
        }
        if (id < idTag.length && idTag[id] >= 0) {
            return idTag[id];
        }
        if (id >= idTag.length) {
            int old = idTag.length;
            idTag = Arrays.copyOf(idTag, Math.max(id + 1, old * 2 + 16));
            Arrays.fill(idTag, old, idTag.length, -1);
        }
        String path = resolver.path(id);
        int t = path == null ? unresolvedTag : cgroupTag(path);
        idTag[id] = t;
        return t;
    }

    /** A cgroup path's tag; a new one past {@link #MAX_CGROUP_TAGS} folds (counted once: the caller remembers it). */
    private int cgroupTag(String path) {
        int t = cgroups.find(path);
        if (t >= 0) {
            return t;
        }
        if (cgroups.count >= MAX_CGROUP_TAGS - 1) {
            foldedTags++;
            return cgroups.intern(OTHER_CGROUPS);
        }
        return cgroups.add(path);
    }

    void alloc(int owner, int cache, int site, int pool, int size) {
        int cg = owner & OWNER_TAG;
        cgroups.alloc(cg, pool, size);
        cgroupCaches.alloc(pair(cacheIds, cgroupCaches, tags.caches, cg, cache), pool, size);
        cgroupSites.alloc(pair(siteIds, cgroupSites, tags.sites, cg, site), pool, size);
    }

    void free(int owner, int cache, int site, int pool, int size) {
        int cg = owner & OWNER_TAG;
        cgroups.free(cg, pool, size);
        cgroupCaches.free(pair(cacheIds, cgroupCaches, tags.caches, cg, cache), pool, size);
        cgroupSites.free(pair(siteIds, cgroupSites, tags.sites, cg, site), pool, size);
    }

    void drop(int owner, int cache, int site, int pool, int size) {
        int cg = owner & OWNER_TAG;
        cgroups.drop(cg, pool, size);
        cgroupCaches.drop(pair(cacheIds, cgroupCaches, tags.caches, cg, cache), pool, size);
        cgroupSites.drop(pair(siteIds, cgroupSites, tags.sites, cg, site), pool, size);
    }

    /** The tag of a cgroup kind for an allocation with this owner, cache and site. */
    int tagOf(TagKind kind, int owner, int cache, int site) {
        int cg = owner & OWNER_TAG;
        return switch (kind) {
            case CGROUP -> cg;
            case CGROUP_CACHE -> pair(cacheIds, cgroupCaches, tags.caches, cg, cache);
            case CGROUP_SITE -> pair(siteIds, cgroupSites, tags.sites, cg, site);
            default -> -1;
        };
    }

    String name(int owner) {
        return cgroups.names[owner & OWNER_TAG];
    }

    /**
     * The pair tag of (cgroup tag, tag): one primitive-map probe; named {@code tag@cgroup} when first seen, or folded
     * into {@link #OTHER_PAIRS} past {@link #MAX_PAIR_TAGS} (counted once: the fold is remembered). A key not in the
     * map is a new pair: cgroup and tag names are unique per id, so no two keys share a name.
     */
    private int pair(LongIntHashMap ids, TagTable pairs, TagTable of, int cg, int tag) {
        long key = ((long) cg << 32) | (tag & 0xffffffffL);
        int t = ids.get(key);
        if (t == -1) {
            if (pairs.count >= MAX_PAIR_TAGS - 1) {
                foldedTags++;
                t = pairs.intern(OTHER_PAIRS);
            } else {
                t = pairs.intern(of.names[tag] + PAIR_SEPARATOR + cgroups.names[cg]);
            }
            ids.put(key, t);
        }
        return t;
    }
}
