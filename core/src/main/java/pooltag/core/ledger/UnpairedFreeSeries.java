package pooltag.core.ledger;

import java.util.Arrays;

/**
 * Frees that found no traced allocation, per key and over event time: objects made before tracing began (or whose
 * allocation event was lost) being freed now. The kernel's {@code /proc/slabinfo} count drops with each of them while
 * no survivor of the trace moves, so a hunt that compares the two must know how many fell when; this is that record.
 * The ledger keeps two: one keyed by cache tag for frees that name their cache ({@code kmem_cache_free} carries a name
 * from Linux 5.12 on), one keyed by the freed address's alignment for {@code kfree}, which names none.
 *
 * <p>Shape: a cumulative count per key now, and up to {@value #MAX_POINTS} points {@code (t, counts just
 * before t, last free before the next point)}. A point is taken at the first unpaired free at least
 * {@link #intervalNanos} after the previous point (2^27 ns, about 134 ms, at first), so a quiet stretch costs nothing
 * and a point's segment holds its frees between its own time and its last-free time. When the points are full,
 * every other one is dropped and the interval doubles: a point per ~134 ms for the first ~69 s of frees, per ~268 ms
 * up to ~137 s, and so on; memory stays at most {@value #MAX_POINTS} copies of the counts (one {@code long} per
 * key up to the highest that has had an unpaired free).
 *
 * <p>Writer thread only (the ledger's); nothing allocated per free except when a point is taken.
 */
final class UnpairedFreeSeries {
    static final int MAX_POINTS = 512;

    private long intervalNanos = 1L << 27;
    /** Cumulative unpaired frees per key (cache tag or alignment), now; indices above {@link #highestKey} are 0. */
    private long[] counts = new long[64];
    private int highestKey = -1;
    private final long[] pointNanos = new long[MAX_POINTS];
    /** The counts just before the free that took the point (trimmed to the keys seen by then). */
    private final long[][] pointCounts = new long[MAX_POINTS][];
    /** The last unpaired free of each point's segment (before the next point), ns on the event clock. */
    private final long[] segmentLastNanos = new long[MAX_POINTS];
    private int points;
    private long nextPointNanos = Long.MIN_VALUE;
    private long lastNanos = Long.MIN_VALUE;

    /** One unpaired free of {@code key} (0 or more) at {@code nanos} on the event clock. */
    void add(int key, long nanos) {
        if (nanos >= nextPointNanos) {
            takePoint(nanos);
        }
        if (key >= counts.length) {
            counts = Arrays.copyOf(counts, Math.max(key + 1, counts.length * 2));
        }
        counts[key]++;
        highestKey = Math.max(highestKey, key);
        if (nanos > lastNanos) {
            lastNanos = nanos;
        }
        segmentLastNanos[points - 1] = lastNanos;
    }

    private void takePoint(long nanos) {
        if (points == MAX_POINTS) {
            // Merge segments pairwise: point 2k keeps its time and counts, and ends where segment 2k + 1 ended.
            int half = points / 2;
            for (int k = 0; k < half; k++) {
                pointNanos[k] = pointNanos[2 * k];
                pointCounts[k] = pointCounts[2 * k];
                segmentLastNanos[k] = segmentLastNanos[2 * k + 1];
            }
            Arrays.fill(pointCounts, half, points, null);
            points = half;
            intervalNanos *= 2;
        }
        pointNanos[points] = nanos;
        pointCounts[points] = Arrays.copyOf(counts, highestKey + 1);
        segmentLastNanos[points] = nanos;
        points++;
        nextPointNanos = nanos + intervalNanos;
    }

    /** Unpaired frees of {@code key} so far. */
    long total(int key) {
        return key >= 0 && key < counts.length ? counts[key] : 0;
    }

    /**
     * Unpaired frees of {@code key} made up to {@code nanos} (event clock): exact at a point and after the last
     * free, spread evenly over a segment's frees in between (so off by at most one segment's frees, within about
     * {@link #intervalNanos} of time).
     */
    double countBy(int key, long nanos) {
        if (points == 0 || nanos < pointNanos[0] || key < 0) {
            return 0;
        }
        if (nanos >= lastNanos) {
            return total(key);
        }
        int i = Arrays.binarySearch(pointNanos, 0, points, nanos);
        if (i < 0) {
            i = -i - 2; // the last point at or before nanos
        }
        while (i + 1 < points && pointNanos[i + 1] == nanos) {
            i++; // equal times: the latest point stands for that instant
        }
        double from = at(pointCounts[i], key);
        double to = i + 1 < points ? at(pointCounts[i + 1], key) : total(key);
        long t0 = pointNanos[i];
        long t1 = segmentLastNanos[i];
        if (nanos >= t1 || t1 <= t0) {
            return to;
        }
        return from + (to - from) * (double) (nanos - t0) / (t1 - t0);
    }

    private static long at(long[] c, int key) {
        return key < c.length ? c[key] : 0;
    }
}
