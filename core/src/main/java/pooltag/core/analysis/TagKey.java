package pooltag.core.analysis;

import pooltag.core.snapshot.Pool;

/** A (tag, pool) pair: the unit diff and trend compare across snapshots. */
public record TagKey(String tag, Pool pool) {
}
