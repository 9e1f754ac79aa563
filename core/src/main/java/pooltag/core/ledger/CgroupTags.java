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
 */
final class CgroupTags {
    static final int OWNER_ACCOUNTED = 1 << 31;
    static final int OWNER_TAG = ~OWNER_ACCOUNTED;
    /** Separates a pair tag's tag from its cgroup: never in a cache or function name, so the first one splits. */
    static final char PAIR_SEPARATOR = '@';
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

    CgroupTags(CgroupResolver resolver, TagRegistry tags) {
        this.resolver = resolver;
        this.tags = tags;
        this.unresolvedTag = cgroups.intern(UNRESOLVED);
    }

    TagTable table(TagKind kind) {
        return switch (kind) {
            case CGROUP -> cgroups;
            case CGROUP_CACHE -> cgroupCaches;
            case CGROUP_SITE -> cgroupSites;
            default -> throw new IllegalArgumentException("not a cgroup kind: " + kind.label());
        };
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
        int t = path == null ? unresolvedTag : cgroups.intern(path);
        idTag[id] = t;
        return t;
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

    /** The pair tag of (cgroup tag, tag): one primitive-map probe; named {@code tag@cgroup} when first seen. */
    private int pair(LongIntHashMap ids, TagTable pairs, TagTable of, int cg, int tag) {
        long key = ((long) cg << 32) | (tag & 0xffffffffL);
        int t = ids.get(key);
        if (t == -1) {
            t = pairs.intern(of.names[tag] + PAIR_SEPARATOR + cgroups.names[cg]);
            ids.put(key, t);
        }
        return t;
    }
}
