package pooltag.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.engine.hit.BreakDetectorTest;
import pooltag.engine.testkit.MergeThreadSource;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.symbols.KernelSymbolResolver;

/**
 * TracingRun without a kernel: a scripted source stands for the session (its merge thread delivers a fixed script,
 * then ticks until stopped), so the run's own order is judged: the tap before the ledger, publishing on the tick,
 * procfs samples around the run, one stop and one close however often called, and a dead merge thread ending the
 * run with its failure.
 */
@Timeout(30)
class TracingRunTest {
    static final long A = 0xffff888000001000L;
    static final long B = 0xffff888000002000L;

    final Ledger ledger = new Ledger(CacheCatalog.NONE, new KernelSymbolResolver(BreakDetectorTest.SYMBOLS));
    final PublishingLedger published = new PublishingLedger(ledger, null);
    final AtomicInteger procfsTakes = new AtomicInteger();
    final ScriptedSource source = new ScriptedSource();

    TracingRun run() {
        return TracingRun.over(source, published, () -> {
            procfsTakes.incrementAndGet();
            return new UsageSnapshot(System.nanoTime(), "procfs", List.of(), null);
        });
    }

    @Test
    void eventsReachTheTapBeforeTheLedgerAndArePublished() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        AllocEventConsumer tap = new AllocEventConsumer() {
            @Override
            public void onEvent(AllocEvent e) {
                seen.add((e.type() == AllocEvent.FREE ? "free" : "alloc") + " held=" + ledger.outstandingBytesAt(e.address()));
            }

            @Override
            public void onLoss(int cpu, long count) {
                seen.add("loss " + count + " ledger=" + ledger.stats().loss().lostEvents());
            }
        };
        try (TracingRun run = run()) {
            run.start(tap);
            assertEquals(1, procfsTakes.get(), "the first slabinfo sample is taken before tracing starts");
            assertTrue(source.delivered.await(10, TimeUnit.SECONDS), "the scripted merge thread ran");
            run.requestStop();
            SessionStats st = run.follow();
            assertSame(source.stats, st);
            assertEquals(List.of("alloc held=-1", "alloc held=-1", "free held=192", "loss 4 ledger=0"), seen);
            assertTrue(source.ticks.get() > 0, "the merge thread ticked the ledger");
            UsageSnapshot site = ledger.snapshot(TagKind.SITE);
            assertNotNull(site, "the tick (and the end) published a frame");
            assertEquals(1, PublishingLedgerTest.live(site), "one of the two blocks is still held");
            assertEquals(4, ledger.stats().loss().lostEvents(), "the loss reached the ledger after the tap");
            assertTrue(run.durationNanos() >= 0);
        }
        assertEquals(1, source.closes.get());
    }

    @Test
    void runForSamplesProcfsAndStopsOnTime() throws Exception {
        try (TracingRun run = run()) {
            AtomicInteger samples = new AtomicInteger();
            long t0 = System.nanoTime();
            SessionStats st = run.runFor(Duration.ofMillis(300), Duration.ofMillis(50), samples::incrementAndGet);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertSame(source.stats, st);
            assertTrue(tookMs >= 300, "ran its duration: " + tookMs + " ms");
            assertTrue(samples.get() >= 1, "sampled mid-run: " + samples.get());
            assertEquals(samples.get() + 2, procfsTakes.get(), "one sample before, one per onSample, one after");
            assertEquals(1, PublishingLedgerTest.live(ledger.snapshot(TagKind.SITE)),
                    "runFor without start: no tap, and the ledger still saw the script");
        }
    }

    @Test
    void stopAndCloseHappenOnceHoweverOftenCalled() throws Exception {
        TracingRun run = run();
        run.start(null);
        run.requestStop();
        SessionStats first = run.follow();
        assertSame(first, run.follow(), "a second follow returns the same stats");
        assertSame(first, run.runFor(Duration.ofSeconds(5), Duration.ofSeconds(1), null), "and so does runFor");
        assertEquals(1, source.stops.get(), "the source was stopped once");
        assertEquals(1, procfsTakes.get(), "only the start's sample: runFor after the stop took none");
        run.close();
        run.close();
        assertEquals(1, source.closes.get(), "the source was closed once");
        assertThrows(IllegalStateException.class, () -> run.start(null), "a run starts once");
    }

    @Test
    void aDeadMergeThreadEndsTheRunWithItsFailure() {
        source.failAfterScript = new IllegalStateException("decoder blew up");
        try (TracingRun run = run()) {
            long t0 = System.nanoTime();
            PooltagException e = assertThrows(PooltagException.class,
                    () -> run.runFor(Duration.ofSeconds(20), Duration.ofSeconds(20), null));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertSame(source.failAfterScript, e.getCause(), "the failure is the one the merge thread died of");
            assertTrue(tookMs < 10_000, "ended by the failure, not the 20 s duration: " + tookMs + " ms");
            assertEquals(1, source.stops.get());
        }
        assertEquals(1, source.closes.get());
        assertFalse(source.merge.isAlive());
    }

    /**
     * A session's behaviour in miniature: its merge thread delivers the script (two allocations, one free, a loss of
     * 4), then ticks every 5 ms until a stop is requested.
     */
    static final class ScriptedSource extends MergeThreadSource {
        final CountDownLatch delivered = new CountDownLatch(1);
        final AtomicInteger ticks = new AtomicInteger();
        volatile RuntimeException failAfterScript;

        ScriptedSource() {
            super("scripted-merge", new SessionStats(3, new long[KmemDecoder.KINDS], 0, 0, 0, 0, 0, 0, 0, new long[1],
                    0, 0, 0, 0, -1, 0, 3, 0, 0, 64, 8, 4096, false));
        }

        @Override
        protected void deliver(AllocEventConsumer c, Runnable tick) throws Exception {
            BreakDetectorTest.Ev e = new BreakDetectorTest.Ev();
            c.onEvent(e.set(AllocEvent.ALLOC, 10, 0, 5, A, BreakDetectorTest.PIPE + 0x5d, 192));
            c.onEvent(e.set(AllocEvent.ALLOC, 11, 0, 5, B, BreakDetectorTest.PIPE + 0x5d, 192));
            c.onEvent(e.set(AllocEvent.FREE, 12, 0, 5, A, BreakDetectorTest.FREE_PIPE, 0));
            c.onLoss(0, 4);
            tick.run();
            ticks.incrementAndGet();
            delivered.countDown();
            if (failAfterScript != null) {
                throw failAfterScript;
            }
            while (!stopRequested.await(5, TimeUnit.MILLISECONDS)) {
                tick.run();
                ticks.incrementAndGet();
            }
        }
    }
}
