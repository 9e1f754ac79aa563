package pooltag.core.analysis;

import pooltag.core.snapshot.Pool;

/**
 * How one tag's usage in one pool changed between two snapshots. A tag absent from a snapshot counts as 0 there.
 *
 * @param oldLive  outstanding allocations in the old snapshot
 * @param newLive  outstanding allocations in the new snapshot
 * @param oldBytes bytes held in the old snapshot
 * @param newBytes bytes held in the new snapshot
 */
public record TagDelta(String tag, Pool pool, long oldLive, long newLive, long oldBytes, long newBytes,
                       String description) {
    public long liveChange() {
        return newLive - oldLive;
    }

    public long bytesChange() {
        return newBytes - oldBytes;
    }
}
