package pooltag.core.ledger;

import pooltag.core.snapshot.Pool;

/**
 * One allocation still outstanding, as {@code !poolfind} lists it (a query result, made on demand).
 *
 * @param ageNanos  now (the ledger's latest event time) minus the allocation time, to about a millisecond
 * @param stackId   the ledger's stack id, -1 when no stack was recorded; print with {@link Ledger#stackTag}
 * @param cgroup    the cgroup it is charged to ({@code --tag-by cgroup}), or null when the ledger does not track them
 * @param accounted memcg-charged (the event's {@code accounted} bit or {@code __GFP_ACCOUNT}); false when the ledger
 *                  does not track cgroups
 */
public record Outstanding(long address, long bytes, long allocNanos, long ageNanos, int pid, Pool pool,
                          String cache, String site, int stackId, String cgroup, boolean accounted) {
    /** Without cgroup tracking. */
    public Outstanding(long address, long bytes, long allocNanos, long ageNanos, int pid, Pool pool, String cache,
                       String site, int stackId) {
        this(address, bytes, allocNanos, ageNanos, pid, pool, cache, site, stackId, null, false);
    }
}
