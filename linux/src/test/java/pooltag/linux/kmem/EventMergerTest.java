package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.ring.TraceSchema;
import pooltag.linux.testutil.Formats;
import pooltag.linux.testutil.PageBuilder;

class EventMergerTest {
    private final TraceSchema schema = Formats.schema();

    static final class Log implements AllocEventConsumer {
        final List<String> lines = new ArrayList<>();
        final List<String> losses = new ArrayList<>();
        final List<String> skips = new ArrayList<>();

        @Override
        public void onEvent(AllocEvent e) {
            lines.add(e.timestampNanos() + ":" + e.cpu() + ":" + (e.type() == AllocEvent.ALLOC ? "A"
                    : e.type() == AllocEvent.FREE ? "F" : "S") + ":" + Long.toHexString(e.address()));
        }

        @Override
        public void onLoss(int cpu, long count) {
            losses.add(cpu + ":" + count);
        }

        @Override
        public void onSkipped(int cpu, long count) {
            skips.add(cpu + ":" + count);
        }
    }

    /** A kfree record (24 bytes) at delta. */
    static PageBuilder kfree(PageBuilder pb, long delta, int pid, long ptr) {
        return pb.header(6, delta).u16(657).u8(0).u8(0).u32(pid).u64(0xffffffff81000000L).u64(ptr);
    }

    /** A kmalloc record (52 bytes) at delta. */
    static PageBuilder kmalloc(PageBuilder pb, long delta, int pid, long ptr) {
        return pb.header(13, delta).u16(658).u8(0).u8(0).u32(pid).u64(0xffffffff81000000L).u64(ptr)
                .u64(8).u64(8).u64(0).u32(0);
    }

    static PageBuilder stack(PageBuilder pb, long delta, int pid) {
        return pb.header(8, delta).u16(4).u8(0).u8(0).u32(pid).u32(2).u32(0)
                .u64(0xffffffff81000001L).u64(0xffffffff81000002L);
    }

    private Page page(int cpu, byte[] data) {
        Page p = new Page(data.length);
        System.arraycopy(data, 0, p.data, 0, data.length);
        p.length = data.length;
        p.cpu = cpu;
        return p;
    }

    @Test
    void freeOnAnotherCpuFollowsItsAllocation() {
        EventMerger m = new EventMerger(2, schema.header(), new KmemDecoder(schema, new NameTable()), 1000, p -> { });
        // cpu1's page is read first, but its free (t=200) happened after cpu0's allocation (t=100)
        m.addPage(page(1, kfree(new PageBuilder(0), 200, 1, 0xabc0).build()));
        m.addPage(page(0, kmalloc(new PageBuilder(0), 100, 1, 0xabc0).build()));
        Log log = new Log();
        m.emit(0, false, log);
        assertEquals(List.of("100:0:A:abc0"), log.lines, "cpu1 waits: cpu0 has nothing left to compare");
        m.emit(0, true, log);
        assertEquals(List.of("100:0:A:abc0", "200:1:F:abc0"), log.lines);
        assertEquals(0, m.outOfOrder());
    }

    /**
     * Runs (a CPU's records delivered one after another while it stays the earliest) keep the order of one scan of
     * every CPU per event: the timestamp order, ties to the lower CPU number. Three CPUs, 60 records each in three
     * pages, with steps of 0, 1 or 2 ns (ties across CPUs all along); the pages arrive round by round with an emit
     * after each (CPUs run dry at different moments, so waiting for a CPU takes turns with runs; the window is long
     * enough that no horizon releases anything early), then a flush. After every emit what was delivered must be a
     * prefix of the stable sort by (time, CPU), and in the end all of it.
     */
    @Test
    void runsFromOneCpuKeepTheOrderOfAScanWithTiesToTheLowerCpu() {
        java.util.Random rnd = new java.util.Random(42);
        EventMerger m = new EventMerger(3, schema.header(), new KmemDecoder(schema, new NameTable()), 1_000_000,
                p -> { });
        List<long[]> expected = new ArrayList<>(); // {ts, cpu, ptr}
        byte[][][] pages = new byte[3][3][];
        for (int cpu = 0; cpu < 3; cpu++) {
            long ts = 0;
            for (int pg = 0; pg < 3; pg++) {
                long pageTs = ts;
                PageBuilder pb = new PageBuilder(pageTs);
                for (int i = 0; i < 20; i++) {
                    long delta = pg == 0 && i == 0 ? 100 : rnd.nextInt(3);
                    ts += delta;
                    long ptr = 0x1000L * (cpu + 1) + (pg * 20 + i) * 8L;
                    kmalloc(pb, delta, 1, ptr);
                    expected.add(new long[]{ts, cpu, ptr});
                }
                pages[cpu][pg] = pb.build();
            }
        }
        expected.sort(java.util.Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        List<String> want = new ArrayList<>();
        for (long[] e : expected) {
            want.add(e[0] + ":" + e[1] + ":A:" + Long.toHexString(e[2]));
        }
        Log log = new Log();
        long horizon = 100;
        for (int pg = 0; pg < 3; pg++) {
            for (int cpu = 0; cpu < 3; cpu++) {
                m.addPage(page(cpu, pages[cpu][pg]));
                m.emit(horizon += 4, false, log);
                assertEquals(want.subList(0, log.lines.size()), log.lines, "page " + pg + " of cpu" + cpu);
            }
        }
        assertTrue(log.lines.size() < want.size(), "something waited for the flush");
        m.emit(0, true, log);
        assertEquals(want, log.lines);
        assertEquals(0, m.outOfOrder());
        assertEquals(180, m.totalEvents());
    }

    @Test
    void horizonReleasesAnIdleCpusPartner() {
        EventMerger m = new EventMerger(2, schema.header(), new KmemDecoder(schema, new NameTable()), 1000, p -> { });
        m.addPage(page(0, kmalloc(new PageBuilder(0), 100, 1, 0x10).build()));
        Log log = new Log();
        m.emit(1099, false, log);
        assertEquals(List.of(), log.lines, "within the window: wait for cpu1");
        m.emit(1100, false, log);
        assertEquals(1, log.lines.size(), "older than horizon - window: deliver");
    }

    @Test
    void stackFollowsItsEventEvenWhenAnotherCpuIsEarlier() {
        EventMerger m = new EventMerger(2, schema.header(), new KmemDecoder(schema, new NameTable()), 1000, p -> { });
        PageBuilder c0 = kmalloc(new PageBuilder(0), 100, 7, 0x20);
        stack(c0, 50, 7);                                   // t=150
        m.addPage(page(0, c0.build()));
        m.addPage(page(1, kfree(new PageBuilder(0), 120, 9, 0x30).build()));
        Log log = new Log();
        m.emit(0, true, log);
        assertEquals(List.of("100:0:A:20", "150:0:S:0", "120:1:F:30"), log.lines);
        assertEquals(0, m.outOfOrder(), "the pulled stack is not an ordering fault");
    }

    @Test
    void lateEventsAreDeliveredAndCounted() {
        EventMerger m = new EventMerger(2, schema.header(), new KmemDecoder(schema, new NameTable()), 0, p -> { });
        m.addPage(page(0, kmalloc(new PageBuilder(0), 500, 1, 0x1).build()));
        Log log = new Log();
        m.emit(10_000, false, log);
        m.addPage(page(1, kfree(new PageBuilder(0), 100, 1, 0x2).build()));
        m.emit(10_000, true, log);
        assertEquals(2, log.lines.size());
        assertEquals(1, m.outOfOrder());
    }

    @Test
    void pageHeaderLossIsReported() {
        EventMerger m = new EventMerger(1, schema.header(), new KmemDecoder(schema, new NameTable()), 0, p -> { });
        m.addPage(page(0, kmalloc(new PageBuilder(0), 1, 1, 0x1).lost(31).build()));
        Log log = new Log();
        m.emit(0, true, log);
        assertEquals(List.of("0:31"), log.losses);
        assertEquals(31, m.lostCounted());
    }

    @Test
    void brokenPageIsSkippedCountedAndTheStreamGoesOn() {
        List<Page> recycled = new ArrayList<>();
        EventMerger m = new EventMerger(1, schema.header(), new KmemDecoder(schema, new NameTable()), 0,
                recycled::add);
        PageBuilder bad = kmalloc(new PageBuilder(0), 1, 1, 0x1).header(13, 1).u32(0); // second record truncated
        m.addPage(page(0, bad.build()));
        m.addPage(page(0, kmalloc(new PageBuilder(0), 5, 1, 0x2).build()));
        Log log = new Log();
        m.emit(0, true, log);
        assertEquals(2, log.lines.size());
        assertEquals(1, m.skippedPages());
        assertTrue(m.firstError().contains("runs past"), m.firstError());
        assertEquals(2, recycled.size(), "every page goes back to its pool");
    }

    @Test
    void aCpuSeenEmptyDoesNotHoldBackABusyOne() {
        EventMerger m = new EventMerger(2, schema.header(), new KmemDecoder(schema, new NameTable()),
                1_000_000_000L, p -> { });
        long ms = 1_000_000L;
        m.addPage(page(0, kmalloc(kmalloc(new PageBuilder(0), 10 * ms, 1, 0x10), 40 * ms, 1, 0x20).build()));
        Log log = new Log();
        long[] quiet = {Long.MIN_VALUE, Long.MIN_VALUE};
        m.emit(0, quiet, false, log);
        assertEquals(List.of(), log.lines, "cpu1 not known empty: its earlier events may still come");
        quiet[1] = 35 * ms; // cpu1's reader found its buffer empty at 35 ms: nothing earlier than 35 - slack can come
        m.emit(0, quiet, false, log);
        assertEquals(List.of(10 * ms + ":0:A:10"), log.lines, "up to the mark less the in-flight slack, not beyond");
        quiet[1] = 50 * ms + EventMerger.IN_FLIGHT_NANOS; // the second event is at 10 + 40 ms (deltas add up)
        m.emit(0, quiet, false, log);
        assertEquals(2, log.lines.size());
        assertEquals(0, m.outOfOrder());
        assertEquals(0, m.forcedDeliveries());
    }

    @Test
    void aSilentCpuIsPassedOnlyWhenTheQueueReachesItsCapAndThatIsCounted() {
        EventMerger m = new EventMerger(2, schema.header(), new KmemDecoder(schema, new NameTable()),
                1_000_000_000L, p -> { });
        m.setMaxPendingPages(3);
        for (int i = 0; i < 3; i++) {
            m.addPage(page(0, kfree(new PageBuilder(0), 100 + i, 1, 0x40 + i).build()));
        }
        Log log = new Log();
        m.emit(0, new long[] {Long.MIN_VALUE, Long.MIN_VALUE}, false, log);
        assertEquals(List.of(), log.lines, "2 queued pages behind the current one: under the cap, wait for cpu1");
        m.addPage(page(0, kfree(new PageBuilder(0), 200, 1, 0x50).build()));
        m.emit(0, new long[] {Long.MIN_VALUE, Long.MIN_VALUE}, false, log);
        assertTrue(log.lines.size() >= 1, "the cap reached: the merge goes on without the silent cpu1");
        assertEquals(log.lines.size(), m.forcedDeliveries(), "every event passed that way is counted");
    }

    @Test
    void countingAPageKeepsTheCountsDecodingWouldGiveWithoutDeliveringAnything() {
        KmemDecoder d = new KmemDecoder(schema, new NameTable());
        PageBuilder c0 = kmalloc(new PageBuilder(0), 100, 7, 0x20);
        stack(c0, 10, 7);
        kfree(c0, 10, 7, 0x20);
        c0.header(2, 5).u16(999).u8(0).u8(0).u32(7);              // an event the decoder does not know
        c0.header(3, 5).u16(658).u8(0).u8(0).u32(7).u32(0);       // a kmalloc too short for its format
        PageBuilder c1 = kfree(new PageBuilder(0), 120, 9, 0x30).lost(4);
        PageBuilder broken = kmalloc(new PageBuilder(0), 1, 1, 0x1).header(13, 1).u32(0); // second record cut

        List<Page> recycled = new ArrayList<>();
        EventMerger counting = new EventMerger(2, schema.header(), d, 0, recycled::add);
        Log counted = new Log();
        counting.countPage(page(0, c0.build()), counted);
        counting.countPage(page(1, c1.build()), counted);
        counting.countPage(page(0, broken.build()), counted);

        EventMerger decoding = new EventMerger(2, schema.header(), d, 0, p -> { });
        Log decoded = new Log();
        decoding.addPage(page(0, c0.build()));
        decoding.addPage(page(1, c1.build()));
        decoding.addPage(page(0, broken.build()));
        decoding.emit(0, true, decoded);

        assertEquals(List.of(), counted.lines, "nothing is delivered");
        assertEquals(5, decoded.lines.size(), "the decoding merge delivers kmalloc, stack, kfree, kfree and kmalloc");
        for (int k = 0; k < KmemDecoder.KINDS; k++) {
            assertEquals(decoding.events(k), counting.events(k), "kind " + KmemDecoder.kindName(k));
        }
        assertEquals(1, counting.events(KmemDecoder.KIND_STACK));
        assertEquals(2, counting.events(KmemDecoder.KIND_KFREE));
        assertEquals(decoding.otherEvents(), counting.otherEvents());
        assertEquals(1, counting.otherEvents());
        assertEquals(decoding.malformedRecords(), counting.malformedRecords());
        assertEquals(1, counting.malformedRecords());
        assertEquals(1, counting.skippedPages(), "the cut page is counted up to the break");
        assertEquals(decoding.skippedPages(), counting.skippedPages());
        assertEquals(List.of("1:4"), counted.losses, "page-header loss still reaches the consumer");
        assertEquals(List.of("0:1", "0:-1"), counted.skips, "the malformed record and the cut page are told");
        assertEquals(counted.skips, decoded.skips, "by both paths alike");
        assertEquals(4, counting.lostCounted());
        assertEquals(3, counting.pages());
        assertEquals(0, counting.outOfOrder());
        assertEquals(3, recycled.size(), "every page goes back to its pool");
    }

    @Test
    void onlineCpuListsCount() {
        assertEquals(2, pooltag.linux.procfs.Cpus.countList("0-1\n"));
        assertEquals(5, pooltag.linux.procfs.Cpus.countList("0-3,8"));
        assertEquals(1, pooltag.linux.procfs.Cpus.countList("0"));
        assertEquals(1, pooltag.linux.procfs.Cpus.countList(""));
    }
}
