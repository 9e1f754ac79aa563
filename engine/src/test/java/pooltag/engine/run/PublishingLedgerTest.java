package pooltag.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.engine.hit.BreakDetectorTest;
import pooltag.linux.symbols.KernelSymbolResolver;

/** The publishing ledger without a kernel: tap order, publication by wall clock and at the end, loss passed on. */
class PublishingLedgerTest {
    final Ledger ledger = new Ledger(CacheCatalog.NONE, new KernelSymbolResolver(BreakDetectorTest.SYMBOLS));
    final List<String> seen = new ArrayList<>();
    /** Records what the ledger held for the event's block when the tap saw it. */
    final AllocEventConsumer tap = new AllocEventConsumer() {
        @Override
        public void onEvent(AllocEvent e) {
            seen.add((e.type() == AllocEvent.FREE ? "free" : "alloc") + " held=" + ledger.outstandingBytesAt(e.address()));
        }

        @Override
        public void onLoss(int cpu, long count) {
            seen.add("loss " + cpu + " " + count);
        }
    };
    final BreakDetectorTest.Ev e = new BreakDetectorTest.Ev();

    @Test
    void theTapSeesEachEventBeforeTheLedgerAppliesIt() {
        PublishingLedger p = new PublishingLedger(ledger, null).tap(tap);
        p.onEvent(e.set(AllocEvent.ALLOC, 10, 0, 5, 0xffff888000001000L, BreakDetectorTest.PIPE + 0x5d, 192));
        p.onEvent(e.set(AllocEvent.FREE, 20, 0, 5, 0xffff888000001000L, BreakDetectorTest.FREE_PIPE, 0));
        p.onLoss(3, 7);
        assertEquals(List.of("alloc held=-1", "free held=192", "loss 3 7"), seen);
        assertEquals(7, ledger.stats().loss().lostEvents(), "the ledger counts the loss after the tap");
    }

    @Test
    void snapshotsArePublishedOnTheTickByWallClockAndAtTheEnd() throws Exception {
        PublishingLedger p = new PublishingLedger(ledger, null);
        p.onEvent(e.set(AllocEvent.ALLOC, 10, 0, 5, 0xffff888000001000L, BreakDetectorTest.PIPE + 0x5d, 192));
        assertNull(ledger.snapshot(TagKind.SITE), "nothing published before the first tick");
        p.onTick();
        UsageSnapshot first = ledger.snapshot(TagKind.SITE);
        assertNotNull(first, "the first tick publishes");
        assertEquals(1, first.rows().stream().filter(r -> r.tag().equals("alloc_pipe_info")).count());
        p.onEvent(e.set(AllocEvent.ALLOC, 11, 0, 5, 0xffff888000002000L, BreakDetectorTest.PIPE + 0x5d, 192));
        p.onTick();
        assertEquals(1, live(ledger.snapshot(TagKind.SITE)), "a tick within " + PublishingLedger.PUBLISH_EVERY_NANOS
                + " ns of the last publish keeps the published frame");
        Thread.sleep(PublishingLedger.PUBLISH_EVERY_NANOS / 1_000_000 + 10);
        p.onTick();
        assertEquals(2, live(ledger.snapshot(TagKind.SITE)), "wall clock, not event time, makes the next publish");
        p.onEvent(e.set(AllocEvent.ALLOC, 12, 0, 5, 0xffff888000003000L, BreakDetectorTest.PIPE + 0x5d, 192));
        p.onEnd(true);
        UsageSnapshot last = ledger.snapshot(TagKind.SITE);
        assertEquals(3, live(last), "the end publishes whatever came since");
        assertEquals(new Loss(0, 0, 0, true), last.loss(), "a replay cut short says so");
    }

    static long live(UsageSnapshot s) {
        return s.rows().stream().filter(r -> r.tag().equals("alloc_pipe_info")).mapToLong(r -> r.live()).sum();
    }
}
