package pooltag.engine.run;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.Pipe;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/**
 * A dead merge thread (the consumer threw) must not leave a long-lived view serving its last frame as live: the feed
 * the exporter, {@code mon --trace} and the web page read answers with the failure within 2 s of it, and its follower
 * stops the session. The control: the same feed answers snapshots before the failure.
 */
class DeadMergeLiveTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aDeadMergeThreadIsSeenByTheFeedWithinTwoSeconds() throws Exception {
        pooltag.engine.testkit.Live.assumeLive();
        AtomicLong failedAt = new AtomicLong();
        AtomicLong armed = new AtomicLong(Long.MAX_VALUE);
        try (LiveFeed feed = LiveFeed.start(TracingRun.open(KernelSymbols.load(), TraceConfig.kmem()), new AllocEventConsumer() {
            @Override
            public void onEvent(AllocEvent e) {
                if (System.nanoTime() > armed.get()) {
                    failedAt.compareAndSet(0, System.nanoTime());
                    throw new IllegalStateException("injected consumer failure\nsecond line");
                }
            }

            @Override
            public void onLoss(int cpu, long count) {
            }
        }, "dead-merge-test")) {
            feed.awaitSnapshot(TagKind.CACHE, java.time.Duration.ofSeconds(60)); // the control: alive, publishing
            armed.set(System.nanoTime());
            for (int i = 0; i < 200; i++) {
                Pipe p = Pipe.open();
                p.sink().close();
                p.source().close();
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (failedAt.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(failedAt.get() != 0, "the injected failure happened");
            PooltagException seen = null;
            long seenAt = 0;
            while (seen == null && System.nanoTime() < deadline) {
                try {
                    feed.snapshot(TagKind.CACHE);
                    Thread.sleep(10);
                } catch (PooltagException e) {
                    seen = e;
                    seenAt = System.nanoTime();
                }
            }
            assertTrue(seen != null, "the feed reports the dead session");
            long ms = (seenAt - failedAt.get()) / 1_000_000;
            System.out.println("DEAD MERGE: seen by the feed " + ms + " ms after the failure: " + seen.getMessage());
            assertTrue(ms < 2_000, "seen after " + ms + " ms");
            assertTrue(seen.getMessage().contains("injected consumer failure"), seen.getMessage());
            assertThrows(PooltagException.class, () -> feed.snapshot(TagKind.SITE), "and stays dead");
            // The follower stops the session (within the 200 ms poll plus the drain), so tracing does not go on.
            long stopDeadline = System.nanoTime() + 15_000_000_000L;
            while (!feed.run().session().instance().isClosed() && System.nanoTime() < stopDeadline
                    && !"0".equals(readTracingOn(feed))) {
                Thread.sleep(20);
            }
            assertFalse("1".equals(readTracingOn(feed)), "tracing is off once the merge thread died");
        }
    }

    private static String readTracingOn(LiveFeed feed) {
        try {
            return feed.run().session().instance().read("tracing_on").trim();
        } catch (PooltagException e) {
            return "gone";
        }
    }
}
