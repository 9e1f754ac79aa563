package pooltag.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnpairedFreeSeriesTest {
    static final long MS = 1_000_000L;

    @Test
    void countsAreExactBeforeTheFirstFreeAfterTheLastAndAtEachPoint() {
        UnpairedFreeSeries s = new UnpairedFreeSeries();
        // cache 3: 100 frees 1 ms apart from 1,000 ms (a burst of closes); cache 7: one free at 5,000 ms
        for (int i = 0; i < 100; i++) {
            s.add(3, (1000 + i) * MS);
        }
        s.add(7, 5000 * MS);
        assertEquals(0, s.countBy(3, 999 * MS), 1e-9);
        assertEquals(100, s.countBy(3, 5000 * MS), 1e-9);
        assertEquals(100, s.total(3));
        assertEquals(1, s.total(7));
        assertEquals(0, s.total(5));
        assertEquals(0, s.countBy(7, 4999 * MS), 1e-9);
        assertEquals(1, s.countBy(7, 5000 * MS), 1e-9);
        // The burst took one point (at 1,000 ms; the next free is 4 s later): between the burst's end (1,099 ms) and
        // the next point the count stands at 100, not a ramp over the quiet 4 s.
        assertEquals(100, s.countBy(3, 1099 * MS), 1e-9);
        assertEquals(100, s.countBy(3, 3000 * MS), 1e-9);
        // Within the burst: spread evenly over its 99 ms, off by at most one free here.
        assertEquals(50, s.countBy(3, 1050 * MS), 1.0);
    }

    @Test
    void pointsFollowTheIntervalAndStayExactAtEveryPoint() {
        UnpairedFreeSeries s = new UnpairedFreeSeries();
        // one free of cache 0 every 10 ms for 2 s: a point about every 134 ms (2^27 ns)
        for (int i = 0; i < 200; i++) {
            s.add(0, i * 10 * MS);
        }
        // at the free that takes a point the count is what came before it; between points within a 10 ms step
        for (int i = 0; i < 200; i++) {
            assertEquals(i, s.countBy(0, i * 10 * MS), 1.0, "at " + i * 10 + " ms");
        }
    }

    @Test
    void aLongSeriesIsThinnedNotCutAndKeepsItsTotals() {
        UnpairedFreeSeries s = new UnpairedFreeSeries();
        // 20,000 frees 20 ms apart (400 s): points every 134 ms would be ~3,000, beyond MAX_POINTS twice over
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            s.add(i % 2, i * 20 * MS);
        }
        assertEquals(n / 2, s.total(0));
        assertEquals(n / 2, s.total(1));
        // A steady rate is linear between any two points: the interpolation stays within a free or two of the truth
        for (int sec = 1; sec < 400; sec += 37) {
            double truth = sec * 1000 / 20.0 / 2; // frees of one cache up to that second
            assertEquals(truth, s.countBy(0, sec * 1000 * MS), 2.0, "at " + sec + " s");
        }
    }

    /** A free at the very time asked about is counted: "at or before". */
    @Test
    void aFreeAtTheTimeAskedIsCounted() {
        UnpairedFreeSeries s = new UnpairedFreeSeries();
        s.add(0, 1000 * MS);
        s.add(0, 1050 * MS);
        s.add(0, 2000 * MS);
        assertEquals(1, s.countBy(0, 1000 * MS), 1e-9);
        assertEquals(1, s.atLeastBy(0, 1000 * MS));
        assertEquals(1, s.atMostBy(0, 1000 * MS));
        assertEquals(2, s.atLeastBy(0, 1050 * MS));
        assertEquals(3, s.atMostBy(0, 2000 * MS));
        assertEquals(0, s.atMostBy(0, 999 * MS));
    }

    /**
     * A burst is placed to the nanosecond whatever else is freed around it: key 1 frees 1/ms all along (so runs of
     * other series would open every ~134 ms), key 0 frees 3,000 within 3 ms at 4.58 s. Before the burst key 0 is 0,
     * after it 3,000, exactly; within it the bounds hold the truth.
     */
    @Test
    void aBurstAmongOtherFreesIsExactOutsideItselfAndBoundedInside() {
        UnpairedFreeSeries s = new UnpairedFreeSeries();
        long burst = 4580 * MS;
        for (long ms = 0; ms < 6000; ms++) {
            if (ms == 4580) {
                for (int i = 0; i < 3000; i++) {
                    s.add(0, burst + i * 1000L);
                }
            }
            s.add(1, ms * MS);
        }
        for (long t : new long[] {4500 * MS, 4579 * MS, burst - 1}) {
            assertEquals(0, s.atMostBy(0, t));
            assertEquals(0, s.countBy(0, t), 1e-9);
        }
        for (long t : new long[] {burst + 2_999_000L, 4600 * MS, 5999 * MS}) {
            assertEquals(3000, s.atLeastBy(0, t));
            assertEquals(3000, s.countBy(0, t), 1e-9);
        }
        long mid = burst + 1_500_000L; // frees at burst + i us: 1,501 at or before
        assertTrue(s.atLeastBy(0, mid) <= 1501 && s.atMostBy(0, mid) >= 1501);
        assertEquals(1501, s.countBy(0, mid), 1.0);
        // key 1's steady stream: 4,501 frees at or before 4.5 s, inside one of its runs, so bounded and interpolated
        assertTrue(s.atLeastBy(1, 4500 * MS) <= 4501 && s.atMostBy(1, 4500 * MS) >= 4501);
        assertEquals(4501, s.countBy(1, 4500 * MS), 1.0);
    }

    /**
     * Thinning keeps every count exact outside the runs and the truth within the bounds inside them, and memory within
     * its cap: 300 keys each freeing 1 per 7 ms for 600 s would be ~4,500 runs per key at the first span, and the
     * keys' 512 runs each would be twice the cap of all keys together.
     */
    @Test
    void thinnedRunsKeepTheTruthWithinTheirBounds() {
        UnpairedFreeSeries s = new UnpairedFreeSeries();
        int keys = 300;
        long step = 7 * MS;
        long n = 600_000 * MS / step;
        for (long i = 0; i < n; i++) {
            for (int k = 0; k < keys; k++) {
                s.add(k, i * step + k);
            }
        }
        s.add(299, 600_001 * MS);
        for (int k = 0; k < keys; k += 37) {
            assertEquals(n, s.total(k));
            for (long t = 1234 * MS; t < 600_000 * MS; t += 41_017 * MS) {
                long truth = (t - k) / step + 1;
                assertTrue(s.atLeastBy(k, t) <= truth && truth <= s.atMostBy(k, t), k + " at " + t);
                assertTrue(Math.abs(s.countBy(k, t) - truth) <= s.atMostBy(k, t) - s.atLeastBy(k, t));
            }
        }
        assertTrue(s.runsHeld() <= UnpairedFreeSeries.MAX_RUNS, "" + s.runsHeld());
    }
}
