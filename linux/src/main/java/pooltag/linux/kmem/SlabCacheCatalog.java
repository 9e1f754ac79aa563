package pooltag.linux.kmem;

import pooltag.core.ledger.CacheCatalog;
import pooltag.core.snapshot.Pool;
import pooltag.linux.procfs.SlabSysfs;

/**
 * Cache ids of a session's (or a recording's) name table, with their pool from {@code /sys/kernel/slab}: Paged
 * when the cache has {@code reclaim_account} = 1. Names arrive as the kernel prints them in events, which for
 * merged caches is the first creator's name; sysfs knows every alias, so the flag is found either way.
 */
public final class SlabCacheCatalog implements CacheCatalog {
    private final NameTable names;
    private final SlabSysfs sysfs;

    public SlabCacheCatalog(NameTable names, SlabSysfs sysfs) {
        this.names = names;
        this.sysfs = sysfs;
    }

    @Override
    public String name(int cacheId) {
        return names.name(cacheId);
    }

    @Override
    public Pool pool(int cacheId) {
        return sysfs.reclaimable(names.name(cacheId)) ? Pool.PAGED : Pool.NONPAGED;
    }

    @Override
    public boolean hasAccountedKmallocCaches() {
        return !Boolean.FALSE.equals(sysfs.hasAccountedKmallocCaches());
    }

    @Override
    public SizedCache cacheOfSizes(long objectSize, long slabSize, int accounting) {
        java.util.List<SlabSysfs.CacheDir> found = sysfs.cachesOfSizes(objectSize, slabSize, accounting);
        if (found.isEmpty()) {
            return null;
        }
        String name = found.size() == 1 ? found.get(0).kernelName() : null;
        if (name != null) {
            SlabSysfs.CacheDir cd = found.get(0);
            return new SizedCache(name, cd.reclaimable() ? Pool.PAGED : Pool.NONPAGED, sysfs.aliases(name),
                    java.util.List.of(name));
        }
        java.util.TreeSet<String> candidates = new java.util.TreeSet<>();
        boolean allReclaimable = true;
        for (SlabSysfs.CacheDir cd : found) {
            String n = cd.kernelName();
            candidates.addAll(n != null ? java.util.List.of(n) : cd.names());
            allReclaimable &= cd.reclaimable();
        }
        return new SizedCache(null, allReclaimable ? Pool.PAGED : Pool.NONPAGED, java.util.List.of(),
                java.util.List.copyOf(candidates));
    }

    @Override
    public java.util.List<String> aliases(int cacheId) {
        return sysfs.aliases(names.name(cacheId));
    }
}
