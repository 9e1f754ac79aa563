package pooltag.core.analysis;

import pooltag.core.snapshot.Pool;

/**
 * A (tag, pool) pair: the unit diff and trend compare across snapshots. {@code equals} and {@code hashCode} are
 * written out: a record's generated ones are bootstrapped through method handles on first use, spun at run time
 * even with the AOT cache, a cost a one-shot diff paid on every start (docs/PERFORMANCE.md, start-up round 6).
 */
public record TagKey(String tag, Pool pool) {
    @Override
    public boolean equals(Object o) {
        return o instanceof TagKey k && java.util.Objects.equals(tag, k.tag) && pool == k.pool;
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hashCode(tag) + java.util.Objects.hashCode(pool);
    }
}
