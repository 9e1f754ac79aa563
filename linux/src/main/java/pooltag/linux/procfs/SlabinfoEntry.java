package pooltag.linux.procfs;

/**
 * One row of {@code /proc/slabinfo}. Counts are objects and slabs; {@code objectSize} is bytes per object as the
 * slab lays it out (with alignment and metadata), so {@code activeObjects * objectSize} is what the live objects
 * occupy. Objects sitting in per-CPU slabs count as active.
 */
public record SlabinfoEntry(String name, long activeObjects, long totalObjects, long objectSize,
                            long objectsPerSlab, long pagesPerSlab, long activeSlabs, long totalSlabs) {
    public long activeBytes() {
        return activeObjects * objectSize;
    }

    /**
     * How many allocations {@link #activeObjects} can fail to show, on {@code cpus} CPUs: SLUB counts a slab's free
     * objects as free only while the slab is on its node's partial list, so every free object of a CPU's current
     * slab and of its per-CPU partial slabs is "active", and allocations served from them do not move the count.
     * Each CPU holds one slab plus at most {@code ceil(2 * cpu_partial / objperslab)} partial slabs, where
     * {@code cpu_partial} follows the object size as {@code set_cpu_partial} in {@code mm/slub.c} sets it
     * (Linux 5.16+; 120, 52, 24 or 6 objects for sizes under 256 B, under 1 KiB, under a page, and larger).
     * An upper bound: it ignores a {@code cpu_partial} changed through sysfs and the per-CPU sheaves of 6.18+
     * caches that have them (vm_area_struct, maple_node), which hide more.
     */
    public long liveSlack(int cpus) {
        // A kernel puts at most 32,767 objects in a slab (SLUB's MAX_OBJS_PER_PAGE); a row claiming more (a
        // hostile recording) states no slack rather than overflow the product.
        if (objectsPerSlab <= 0 || objectsPerSlab > 32_767 || cpus <= 0) {
            return 0;
        }
        long cpuPartialObjects = objectSize >= 4096 ? 6 : objectSize >= 1024 ? 24 : objectSize >= 256 ? 52 : 120;
        long partialSlabs = (2 * cpuPartialObjects + objectsPerSlab - 1) / objectsPerSlab;
        return (long) cpus * objectsPerSlab * (1 + partialSlabs);
    }
}
