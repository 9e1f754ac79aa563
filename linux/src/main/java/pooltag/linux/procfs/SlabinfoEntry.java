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
}
