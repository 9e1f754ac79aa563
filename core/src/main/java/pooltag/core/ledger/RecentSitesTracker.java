package pooltag.core.ledger;

import java.util.Arrays;

/**
 * Outstanding allocations per call site by the time they were made, kept as they come and go, so that "which sites
 * grew lately and kept it" ({@link RecentSites}) is a copy of O(sites x slots) counters instead of a pass over the
 * whole outstanding table. Writer thread only; allocates only when a new site id passes the capacity.
 *
 * <p>Time is cut into slots of {@link #SLOT_NANOS} on the event clock (2^6 ledger ticks); the last {@code ring}
 * slots are kept in a ring, row-major by slot ({@code counts[row * cap + site]}), so that retiring a slot clears
 * one contiguous row.
 *
 * <p>Invariants: with {@code head} the slot of the ledger's latest event, row {@code s & mask} holds, for each site,
 * the outstanding allocations made in slot {@code s} for every {@code s} in {@code (head - ring, head]}; an
 * allocation made in a slot at or before {@code head - ring} is not counted, and neither is its later removal
 * (heads only move forward, so "counted when made" and "still in the ring when removed" agree).
 */
final class RecentSitesTracker {
    /** Ledger ticks per slot, as a shift: 2^6 ticks of 2^20 ns. */
    static final int SLOT_SHIFT = 6;
    static final long SLOT_NANOS = 1L << (SLOT_SHIFT + OutstandingTable.TICK_SHIFT);

    private final long minAgeNanos;
    private final long maxAgeNanos;
    private final int ring;
    private final int mask;
    private int cap = 64;
    private int[] counts;
    /** The newest slot (absolute, from the clock's origin); -1 before the first allocation. */
    private long head = -1;

    long minAgeNanos() {
        return minAgeNanos;
    }

    long maxAgeNanos() {
        return maxAgeNanos;
    }

    RecentSitesTracker(long minAgeNanos, long maxAgeNanos) {
        if (minAgeNanos < 0 || maxAgeNanos <= minAgeNanos) {
            throw new IllegalArgumentException("bad age window [" + minAgeNanos + ", " + maxAgeNanos + "] ns");
        }
        if (maxAgeNanos / SLOT_NANOS > 1 << 16) {
            throw new IllegalArgumentException("age window reaches " + maxAgeNanos + " ns back: at most 2^16 slots");
        }
        this.minAgeNanos = minAgeNanos;
        this.maxAgeNanos = maxAgeNanos;
        // The ring reaches back past maxAge by a slot, so every slot whose middle is within the window is kept.
        this.ring = Integer.highestOneBit((int) (maxAgeNanos / SLOT_NANOS) + 2) * 2;
        this.mask = ring - 1;
        this.counts = new int[ring * cap];
    }

    static long slotOf(int tick) {
        return Integer.toUnsignedLong(tick) >>> SLOT_SHIFT;
    }

    /** An allocation of {@code site} at {@code tick}; {@code lastTick} is the clock's latest (>= tick). */
    void add(int site, int tick, int lastTick) {
        advance(slotOf(lastTick));
        long s = slotOf(tick);
        if (s > head - ring) {
            if (site >= cap) {
                grow(site);
            }
            counts[(int) (s & mask) * cap + site]++;
        }
    }

    /** The allocation of {@code site} made at {@code tick} left the outstanding table (freed, written off). */
    void remove(int site, int tick) {
        long s = slotOf(tick);
        if (s > head - ring && s <= head && site < cap) {
            counts[(int) (s & mask) * cap + site]--;
        }
    }

    /** Retires the slots the clock has passed: their rows are cleared for reuse. */
    private void advance(long newHead) {
        if (newHead <= head) {
            return;
        }
        if (newHead - head >= ring || head < 0) {
            Arrays.fill(counts, 0);
        } else {
            for (long s = head + 1; s <= newHead; s++) {
                int row = (int) (s & mask) * cap;
                Arrays.fill(counts, row, row + cap, 0);
            }
        }
        head = newHead;
    }

    private void grow(int site) {
        int n = cap;
        while (n <= site) {
            n *= 2;
        }
        int[] bigger = new int[ring * n];
        for (int r = 0; r < ring; r++) {
            System.arraycopy(counts, r * cap, bigger, r * n, cap);
        }
        counts = bigger;
        cap = n;
    }

    /**
     * The frame as of now: per site, the sum over the slots whose middle is between minAge and maxAge before now (so
     * each edge of the window is exact to half a slot, 34 ms). O(sites x slots); allocates the frame's arrays.
     *
     * @param nowNanos    the ledger's latest event time, ns on the event clock
     * @param sinceOrigin the same, ns since the clock's origin (the first event)
     * @param lastTick    the same, as a ledger tick
     * @param allocs      per site, its allocations since the ledger began (carried into the frame as they are)
     */
    RecentSites frame(long nowNanos, long sinceOrigin, int lastTick, String[] siteNames, int sites, long[] allocs) {
        advance(slotOf(lastTick));
        long[] sum = new long[sites];
        for (long s = head; s >= 0 && s > head - ring; s--) {
            if (inWindow(s, sinceOrigin)) {
                int row = (int) (s & mask) * cap;
                for (int site = 0, n = Math.min(sites, cap); site < n; site++) {
                    sum[site] += counts[row + site];
                }
            }
        }
        return new RecentSites(nowNanos, minAgeNanos, maxAgeNanos, Arrays.copyOf(siteNames, sites), sum, allocs);
    }

    /** Whether allocations of slot {@code s} count at {@code sinceOrigin} ns after the clock's origin. */
    boolean inWindow(long s, long sinceOrigin) {
        long middleAge = sinceOrigin - (s * SLOT_NANOS + SLOT_NANOS / 2);
        return middleAge >= minAgeNanos && middleAge <= maxAgeNanos;
    }
}
