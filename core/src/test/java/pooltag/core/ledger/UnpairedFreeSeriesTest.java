package pooltag.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
