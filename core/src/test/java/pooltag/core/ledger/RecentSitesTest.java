package pooltag.core.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import pooltag.core.rank.SuspectRanker;
import pooltag.core.tag.TagKind;
import pooltag.core.testkit.Population;
import pooltag.core.testkit.SyntheticKernel;

/**
 * The recent growth per site that the ledger keeps as it pairs, for the hunt's armer: at every publish it equals a
 * count over the outstanding table itself, whatever left the table meanwhile (frees, double allocations, evictions
 * over the cap), and the leaders ranked from it are the sites that grew within the window.
 */
class RecentSitesTest {
    static final long MS = 1_000_000L;
    static final long MIN_AGE = 300 * MS;
    static final long MAX_AGE = 2300 * MS;
    static final long SLOT = RecentSitesTracker.SLOT_NANOS;

    /** The documented rule, from the table: made in a slot whose middle is between MIN_AGE and MAX_AGE old. */
    static long[] oracle(Ledger l) {
        long[] count = new long[l.tagCount(TagKind.SITE)];
        long origin = l.firstNanos();
        long now = l.lastNanos() - origin;
        l.forEachOutstanding((addr, bytes, allocNs, pid, cache, site, stack, pool, cg) -> {
            long slot = ((allocNs - origin) >>> OutstandingTable.TICK_SHIFT) >>> RecentSitesTracker.SLOT_SHIFT;
            long middleAge = now - (slot * SLOT + SLOT / 2);
            if (middleAge >= MIN_AGE && middleAge <= MAX_AGE) {
                count[site]++;
            }
        });
        return count;
    }

    static long[] published(Ledger l) {
        RecentSites r = l.recentSites();
        long[] out = new long[r.sites()];
        for (int s = 0; s < out.length; s++) {
            out[s] = r.count(s);
        }
        return out;
    }

    @Test
    void publishedCountsEqualTheOutstandingTableThroughFreesDoubleAllocationsAndEvictions() {
        SyntheticKernel kernel = new SyntheticKernel();
        // A cap low enough that the storm evicts: evicted allocations must leave the counts as frees do.
        Ledger l = new Ledger(kernel, kernel, LedgerOptions.defaults().withMaxOutstanding(20_000)
                .withExpectedOutstanding(1024));
        l.trackRecentSites(MIN_AGE, MAX_AGE);
        Feeder f = new Feeder(l);
        Random r = new Random(7);
        long[] live = new long[40_000];
        int nLive = 0;
        long ts = 0;
        int checks = 0;
        long nextCheck = 700 * MS;
        for (long n = 0; ts < 8_000 * MS; n++) {
            ts += r.nextInt(40_000); // 20 us apart on average: 8 s, ~400,000 events
            int site = r.nextInt(n < 100_000 ? 20 : 45); // sites appear mid-run too (the tracker grows)
            long addr = 0xffff888100000000L + 64L * r.nextInt(1 << 20); // reused addresses: double allocations
            int what = r.nextInt(10);
            if (what < 6) {
                f.alloc(pooltag.core.event.AllocEvent.SOURCE_KMALLOC, ts, (int) (n & 1), 100, addr,
                        Population.siteAddress(site), 64, -1, 0);
                if (nLive < live.length) {
                    live[nLive++] = addr;
                }
            } else if (what < 9 && nLive > 0) {
                int i = r.nextInt(nLive);
                f.free(ts, 0, 100, live[i]);
                live[i] = live[--nLive];
            } else {
                f.free(ts, 1, 100, 0xffff777700000000L + n); // unpaired: must change nothing
            }
            if (ts >= nextCheck) {
                l.publish(ts);
                assertArrayEquals(oracle(l), published(l), "at " + ts / MS + " ms");
                nextCheck += 330 * MS;
                checks++;
            }
        }
        LedgerStats st = l.stats();
        assertTrue(st.evictedOutstanding() > 0 && st.doubleAllocs() > 0 && st.unpairedFrees() > 0,
                "the stream exercised every way out of the table: " + st);
        assertTrue(checks >= 20, "checked " + checks + " frames");
        // Late in the run the counts are not all zero (the oracle could be trivially empty).
        assertTrue(java.util.Arrays.stream(published(l)).sum() > 1000, "recent allocations counted");
    }

    @Test
    void theLeadersAreTheSitesThatGrewWithinTheWindowMostFirst() {
        SyntheticKernel kernel = new SyntheticKernel();
        Ledger l = new Ledger(kernel, kernel);
        l.trackRecentSites(MIN_AGE, MAX_AGE);
        Feeder f = new Feeder(l);
        long a = 0xffff888100000000L;
        // Site 0: a population made in the first second, older than the window at the end (4 s).
        for (int i = 0; i < 500; i++) {
            f.kmalloc(i * 2 * MS, 0, 1, a += 64, Population.siteAddress(0), 64);
        }
        // Sites 1..3 grow from 2 s to 3.5 s at 300, 200 and 100 per second; site 4 the same as 3 (a tie).
        for (long t = 2000 * MS; t < 3500 * MS; t += MS) {
            long k = (t - 2000 * MS) / MS;
            if (k % 10 < 3) {
                f.kmalloc(t, 0, 1, a += 64, Population.siteAddress(1), 64);
            }
            if (k % 10 < 2) {
                f.kmalloc(t, 0, 1, a += 64, Population.siteAddress(2), 64);
            }
            if (k % 10 < 1) {
                f.kmalloc(t, 0, 1, a += 64, Population.siteAddress(4), 64);
                f.kmalloc(t, 0, 1, a += 64, Population.siteAddress(3), 64);
            }
        }
        // Site 5: churn, freed within 100 ms, up to the end.
        for (long t = 1000 * MS; t < 4000 * MS; t += 5 * MS) {
            f.kmalloc(t, 1, 2, 0xffff999900000000L + t, Population.siteAddress(5), 64);
            f.free(t + 100 * MS, 1, 2, 0xffff999900000000L + t);
        }
        f.free(4000 * MS, 0, 1, 0); // now = 4 s
        assertNull(l.recentSites(), "nothing is published before the first publish");
        l.publish(l.lastNanos());
        RecentSites r = l.recentSites();
        assertNotNull(r);
        int[] leaders = SuspectRanker.leadingSites(r, 10);
        String[] names = new String[leaders.length];
        for (int i = 0; i < leaders.length; i++) {
            names[i] = r.name(leaders[i]);
        }
        // Site 4 allocated before site 3 in the first millisecond: its tag has the lower id, so it leads the tie.
        assertArrayEquals(new String[]{Population.siteName(1), Population.siteName(2), Population.siteName(4),
                Population.siteName(3)}, names);
        assertEquals(r.count(leaders[2]), r.count(leaders[3]), "a tie");
        // 1.5 s of growth, all of it between 0.5 and 2.0 s old, well inside the window: counted whole.
        assertEquals(450, r.count(leaders[0]));
        assertEquals(300, r.count(leaders[1]));
        assertEquals(150, r.count(leaders[2]));
        assertEquals(2, SuspectRanker.leadingSites(r, 2).length, "at most n");
    }

    @Test
    void theArmingThreadsOwnAllocationsAreNoLeaderButStillAccounted() {
        SyntheticKernel kernel = new SyntheticKernel();
        Ledger l = new Ledger(kernel, kernel);
        int armerTid = 77;
        l.trackRecentSites(MIN_AGE, MAX_AGE, armerTid);
        Feeder f = new Feeder(l);
        long a = 0xffff888100000000L;
        // From 2 s to 3.5 s: site 0 by the armer's thread at 400/s (its trigger filters, kept while armed), site 1
        // by pid 5 at 100/s, site 2 by the armer at 200/s and freed at once.
        for (long t = 2000 * MS; t < 3500 * MS; t += 10 * MS) {
            for (int i = 0; i < 4; i++) {
                f.kmalloc(t + i, 0, armerTid, a += 64, Population.siteAddress(0), 64);
            }
            f.kmalloc(t + 4, 1, 5, a += 64, Population.siteAddress(1), 64);
            for (int i = 0; i < 2; i++) {
                f.kmalloc(t + 5 + i, 0, armerTid, 0xffff999900000000L + t + i, Population.siteAddress(2), 64);
                f.free(t + 7 + i, 0, armerTid, 0xffff999900000000L + t + i);
            }
        }
        f.free(4000 * MS, 0, 1, 0); // now = 4 s: everything is 0.5 to 2.0 s old, inside the window
        l.publish(l.lastNanos());
        RecentSites r = l.recentSites();
        int[] leaders = SuspectRanker.leadingSites(r, 10);
        assertEquals(1, leaders.length, "only pid 5's site leads");
        assertEquals(Population.siteName(1), r.name(leaders[0]));
        assertEquals(150, r.count(leaders[0]));
        for (int s = 0; s < r.sites(); s++) {
            assertTrue(r.count(s) >= 0, "the armer's frees take nothing from the counts: site " + s);
        }
        // The ledger itself still counts the armer's 600 survivors and its 300 paired allocations.
        LedgerStats st = l.stats();
        assertEquals(600 + 150 + 300, st.allocs());
        assertEquals(300, st.frees());
        assertEquals(750, st.outstanding());
        assertEquals(armerTid, l.tracerTask());
        // Once counted without it, the counts cannot take another task out after the fact; the same one is no change.
        l.setTracerTask(armerTid);
        assertThrows(IllegalStateException.class, () -> l.setTracerTask(5));
        assertEquals(armerTid, l.tracerTask());
    }

    @Test
    void aReplayNamesTheTracerTaskAfterItsEvents() {
        SyntheticKernel kernel = new SyntheticKernel();
        Ledger l = new Ledger(kernel, kernel); // a replay's ledger tracks no recent sites
        new Feeder(l).kmalloc(1, 0, 77, 0xffff888100000000L, Population.siteAddress(0), 64);
        assertEquals(-1, l.tracerTask());
        l.setTracerTask(77);
        assertEquals(77, l.tracerTask());
        l.setTracerTask(-9);
        assertEquals(-1, l.tracerTask(), "any negative id is none");
    }

    @Test
    void trackingStartsWithTheFirstEventAndTheWindowMustBeAWindow() {
        SyntheticKernel kernel = new SyntheticKernel();
        Ledger l = new Ledger(kernel, kernel);
        assertThrows(IllegalArgumentException.class, () -> l.trackRecentSites(2 * MIN_AGE, MIN_AGE));
        new Feeder(l).kmalloc(1, 0, 1, 0xffff888100000000L, Population.siteAddress(0), 64);
        assertThrows(IllegalStateException.class, () -> l.trackRecentSites(MIN_AGE, MAX_AGE),
                "counts that missed allocations would go negative when those are freed");
        l.publish(1);
        assertNull(l.recentSites(), "not tracked: nothing published");
    }
}
