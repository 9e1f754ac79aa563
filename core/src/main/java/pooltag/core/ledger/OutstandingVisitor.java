package pooltag.core.ledger;

/**
 * Receives outstanding allocations one by one, as primitives (no object per allocation). Tag ids are the
 * ledger's: resolve names with {@link Ledger#tagName}. {@code stackId} is -1 when no stack was attached.
 */
@FunctionalInterface
public interface OutstandingVisitor {
    /**
     * @param bytes      bytes allocated ({@code bytes_alloc})
     * @param allocNanos when it was allocated, on the event clock (to about a millisecond)
     * @param pool       {@link pooltag.core.snapshot.Pool#ordinal()}
     * @param cgroup     the {@link pooltag.core.tag.TagKind#CGROUP} tag of the task that allocated (the slot's owner),
     *                   or -1 when the ledger does not tag by cgroup; its pair tags: {@link Ledger#cgroupTagOf}
     */
    void visit(long address, long bytes, long allocNanos, int pid, int cacheTag, int siteTag, int stackId, int pool,
               int cgroup);
}
