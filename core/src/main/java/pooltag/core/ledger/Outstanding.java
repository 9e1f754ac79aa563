package pooltag.core.ledger;

import pooltag.core.snapshot.Pool;

/**
 * One allocation still outstanding, as {@code !poolfind} lists it (a query result, made on demand).
 *
 * @param ageNanos now (the ledger's latest event time) minus the allocation time, to about a millisecond
 * @param stackId  the ledger's stack id, -1 when no stack was recorded; print with {@link Ledger#stackTag}
 */
public record Outstanding(long address, long bytes, long allocNanos, long ageNanos, int pid, Pool pool,
                          String cache, String site, int stackId) {
}
