package pooltag.engine.hunt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.rank.SuspectRanker;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.testkit.Population;
import pooltag.core.testkit.ReusableEvent;
import pooltag.core.testkit.SyntheticKernel;
import pooltag.engine.run.PublishingLedger;
import pooltag.engine.run.TracingRun;
import pooltag.engine.testkit.MergeThreadSource;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.SessionStats;

/**
 * The hunt ranks and arms off the merge thread: with a ranking that takes 600 ms, events keep flowing into the ledger
 * and frames keep being published while it runs, and the leaders it ranks from the published frame are armed. If the
 * armer ran on the merge thread (as a tap), no event would be applied while the ranking sleeps.
 */
@Timeout(60)
class HunterArmingTest {
    static final long MS = 1_000_000L;
    static final long SLOW_RANKING_MS = 600;

    final SyntheticKernel kernel = new SyntheticKernel();
    final Ledger ledger = new Ledger(kernel, kernel);
    final PublishingLedger published = new PublishingLedger(ledger, null);
    final StreamingSource source = new StreamingSource();

    /** One slow ranking: what the merge thread did while it ran, and where it ran. */
    record Ranking(Thread thread, long eventsDuring, long publishedBefore, long publishedAfter) {
    }

    @Test
    void aSlowRankingNeverHoldsUpTheMergeThread() throws Exception {
        ledger.trackRecentSites(Hunter.LEADER_AGE, Hunter.LEADER_WINDOW);
        List<Ranking> rankings = Collections.synchronizedList(new ArrayList<>());
        Hunter.LeaderRanker slow = (recent, n) -> {
            long before = source.delivered.get();
            try {
                Thread.sleep(SLOW_RANKING_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            rankings.add(new Ranking(Thread.currentThread(), source.delivered.get() - before, recent.takenAtNanos(),
                    ledger.recentSites().takenAtNanos()));
            return SuspectRanker.leadingSites(recent, n);
        };
        List<String> filters = Collections.synchronizedList(new ArrayList<>());
        Hunter.Triggers triggers = armingInto(filters);
        Hunter.Armer armer = new Hunter.Armer(ledger::recentSites, slow, triggers);
        try (TracingRun run = TracingRun.over(source, published,
                () -> new UsageSnapshot(System.nanoTime(), "procfs", List.of(), null))) {
            Hunter.trace(run, Duration.ofMillis(3000), Duration.ofMillis(250), armer);
        }

        assertFalse(rankings.isEmpty(), "the armer ranked at least once");
        for (Ranking r : rankings) {
            assertNotEquals(source.merge, r.thread(), "ranked on the merge thread");
            assertTrue(r.eventsDuring() > 1000, "the merge thread applied only " + r.eventsDuring()
                    + " events during a " + SLOW_RANKING_MS + " ms ranking");
            assertTrue(r.publishedAfter() > r.publishedBefore(), "no frame was published during the ranking");
        }
        // Only site 0 keeps what it allocates: it is the one leader, armed by name.
        assertFalse(filters.isEmpty(), "the leader was armed");
        assertEquals("(call_site in " + Population.siteName(0) + ")", filters.get(0));
        assertTrue(ledger.stats().events() > 10_000, "events flowed: " + ledger.stats());
    }

    /**
     * 20 sites lead, the first 16 by more; 16 can be armed. The first ranking arms sites 0-15. A second ranking a
     * second later still sees 0-15 ahead, but they have been armed for SERVED_S and have their stacks: sites 16-19,
     * never armed, take four slots (a leak that began after the machine's busiest sites would otherwise never get a
     * stack), and the served leaders keep the rest in rank order.
     */
    @Test
    void sitesArmedLongEnoughYieldTheirSlotsToLeadersNeverArmed() {
        String[] names = new String[20];
        long[] counts = new long[20];
        for (int i = 0; i < 20; i++) {
            names[i] = "site_" + i;
            counts[i] = i < 16 ? 1000 - i : 100 - i;
        }
        pooltag.core.ledger.RecentSites frame = new pooltag.core.ledger.RecentSites(0, 0, 1, names, counts,
                new long[20]);
        List<String> filters = new ArrayList<>();
        Hunter.Triggers triggers = armingInto(filters);
        Hunter.Armer armer = new Hunter.Armer(() -> frame, SuspectRanker::leadingSites, triggers);
        armer.startNanos = System.nanoTime();
        armer.arm();
        assertEquals(1, filters.size());
        for (int i = 0; i < 20; i++) {
            assertEquals(i < 16, filters.get(0).contains("(call_site in site_" + i + ")"),
                    "first arming, site " + i + ": " + filters.get(0));
        }
        armer.startNanos -= (long) ((Hunter.SERVED_S + 0.1) * 1e9); // a second and a bit later
        armer.arm();
        assertEquals(2, filters.size());
        String second = filters.get(1);
        for (int i = 16; i < 20; i++) {
            assertTrue(second.contains("(call_site in site_" + i + ")"), i + ": " + second);
        }
        for (int i = 0; i < 12; i++) {
            assertTrue(second.contains("(call_site in site_" + i + ")"), i + ": " + second);
        }
        for (int i = 12; i < 16; i++) {
            assertFalse(second.contains("(call_site in site_" + i + ")"), i + ": " + second);
        }
    }

    /**
     * The stack budget: a leader allocating 50,000 times a second (25,000 stack records in a half-second period
     * armed) is charged them, drains 1,000 a period at {@link Hunter#STACKS_PER_SITE_PER_S}, and rests unarmed until
     * its debt is paid: 24 periods; a leak at 200 a second (100 a period, under the budget) stays armed throughout.
     * When every leader is over its budget the trigger comes off (no stale filter keeps stacking the busiest site).
     */
    @Test
    void aLeaderOverItsStackBudgetRestsUntilItsDebtIsPaidWhileASlowLeakStaysArmed() {
        List<String> filters = new ArrayList<>();
        long[] clock = {0};
        long[] allocs = {0, 0};
        Hunter.Armer armer = new Hunter.Armer(() -> new pooltag.core.ledger.RecentSites(clock[0], 0, 1,
                new String[] {"busy_site", "leaking_site"}, new long[] {1000, 500}, allocs.clone()),
                SuspectRanker::leadingSites, armingInto(filters));
        armer.startNanos = System.nanoTime();
        String both = "(call_site in busy_site) || (call_site in leaking_site)";
        List<Integer> armingsWithBusy = new ArrayList<>();
        for (int period = 0; period < 30; period++) {
            armer.arm();
            if (filters.get(filters.size() - 1).equals(both)) {
                armingsWithBusy.add(period);
            }
            clock[0] += 500 * MS;
            allocs[0] += 25_000;
            allocs[1] += 100;
        }
        assertEquals(List.of(both, "(call_site in leaking_site)", both, "(call_site in leaking_site)"),
                filters);
        // armed at 0; charged 25,000 at 1 less the period's 1,000: 24,000, paid off by 25, armed then; charged at 26
        assertEquals(List.of(0, 25), armingsWithBusy);
        assertEquals(java.util.Map.of("busy_site", 24L + 4), armer.heldBack(), "periods 1-24 and 26-29 held it back");

        List<String> alone = new ArrayList<>();
        long[] busyAllocs = {0};
        long[] t = {0};
        Hunter.Armer busyOnly = new Hunter.Armer(() -> new pooltag.core.ledger.RecentSites(t[0], 0, 1,
                new String[] {"busy_site"}, new long[] {1000}, busyAllocs.clone()), SuspectRanker::leadingSites,
                armingInto(alone));
        busyOnly.startNanos = System.nanoTime();
        busyOnly.arm();
        t[0] += 500 * MS;
        busyAllocs[0] += 25_000;
        busyOnly.arm();
        assertEquals(java.util.Arrays.asList("(call_site in busy_site)", null), alone);
    }

    /**
     * A frame published at the same event time as the last (late events do not move the ledger's clock) may still
     * bring new sites, and one of them may lead: it is ranked and armed like any other.
     */
    @Test
    void aNewSiteInAFrameOfTheSameTimeIsArmed() {
        List<String> filters = new ArrayList<>();
        pooltag.core.ledger.RecentSites[] frame = {new pooltag.core.ledger.RecentSites(500 * MS, 0, 1,
                new String[] {"first_site"}, new long[] {10}, new long[] {10})};
        Hunter.Armer armer = new Hunter.Armer(() -> frame[0], SuspectRanker::leadingSites, armingInto(filters));
        armer.startNanos = System.nanoTime();
        armer.arm();
        frame[0] = new pooltag.core.ledger.RecentSites(500 * MS, 0, 1, new String[] {"first_site", "new_site"},
                new long[] {10, 1000}, new long[] {10, 1000});
        armer.arm();
        assertEquals(List.of("(call_site in first_site)",
                "(call_site in new_site) || (call_site in first_site)"), filters);
    }

    /** Triggers that arm every site and keep each filter written, in order (null: the trigger taken off). */
    static Hunter.Triggers armingInto(List<String> filters) {
        return new Hunter.Triggers() {
            @Override
            public boolean armable(String site) {
                return true;
            }

            @Override
            public String term(String site) {
                return "(call_site in " + site + ")"; // the kernel's term is KernelSymbols.callSiteWithin's range
            }

            @Override
            public void replace(String previous, String filter) {
                filters.add(filter);
            }
        };
    }

    /**
     * A merge thread that never stops delivering until asked: allocations from 8 sites, 100 per millisecond of event
     * time, one millisecond of wall time per batch; every site's allocation is freed 64 later except site 0's (a
     * leak). It ticks the run after every batch, as the session's merge thread does at least every 20 ms.
     */
    static final class StreamingSource extends MergeThreadSource {
        final AtomicLong delivered = new AtomicLong();

        StreamingSource() {
            super("streaming-merge", new SessionStats(0, new long[KmemDecoder.KINDS], 0, 0, 0, 0, 0, 0, 0, new long[1],
                    0, 0, 0, 0, -1, 0, 0, 0, 0, 64, 8, 4096, false));
        }

        static long address(long n) {
            return 0xffff888100000000L + 64L * n;
        }

        @Override
        protected void deliver(AllocEventConsumer c, Runnable tick) throws Exception {
            ReusableEvent v = new ReusableEvent();
            long ts = 0;
            long n = 0;
            while (!stopRequested.await(1, TimeUnit.MILLISECONDS)) {
                for (int i = 0; i < 100; i++, n++) {
                    c.onEvent(v.alloc(AllocEvent.SOURCE_KMALLOC, ts + i * 10_000L, 0, 100, address(n),
                            Population.siteAddress((int) (n % 8)), 64, -1, Population.GFP_KERNEL));
                    long old = n - 64;
                    if (old >= 0 && old % 8 != 0) {
                        c.onEvent(v.free(ts + i * 10_000L, 0, 100, address(old)));
                    }
                    delivered.incrementAndGet();
                }
                ts += MS;
                tick.run();
            }
        }
    }
}
