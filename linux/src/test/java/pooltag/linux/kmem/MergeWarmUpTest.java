package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.ring.TraceSchema;
import pooltag.linux.testutil.Formats;

/**
 * The warm-up's made-up pages go through the merge as live pages do: every record decodes (none malformed), the two
 * CPUs' events come out in time order without a forced delivery, and the paths a live stream takes are all taken
 * (stacks right after their allocation, after a free, or after no event of their task; kfree(NULL), kmalloc(0),
 * failed allocations, frees of addresses never allocated, gaps of seconds, new caches), each consumer from a fresh
 * scratch.
 */
class MergeWarmUpTest {
    /** What one scratch consumer saw. */
    static final class Seen implements AllocEventConsumer {
        long events;
        long allocs;
        long frees;
        long stacks;
        long stacksAfterTheirAlloc;
        long stacksAfterAFree;
        long nullFrees;
        long zeroSize;
        long failed;
        long outOfOrder;
        long maxGapNanos;
        long ticks;
        long lastTs = Long.MIN_VALUE;
        int lastType = -1;
        int lastCpu = -1;
        int lastPid = -1;
        final java.util.Set<Long> outstanding = new java.util.HashSet<>();
        long unpaired;
        final java.util.Set<Integer> caches = new java.util.HashSet<>();
        final java.util.Set<Integer> cpus = new java.util.HashSet<>();
        /** Stacks of at most 11 frames (short header form) and of more (long form). */
        long shortStacks;
        long longStacks;

        @Override
        public void onEvent(AllocEvent e) {
            events++;
            cpus.add(e.cpu());
            if (e.type() == AllocEvent.STACK) {
                stacks++;
                if (e.stackDepth() <= 11) {
                    shortStacks++;
                } else {
                    longStacks++;
                }
                if (lastType == AllocEvent.ALLOC && lastCpu == e.cpu() && lastPid == e.pid()) {
                    stacksAfterTheirAlloc++;
                } else if (lastType == AllocEvent.FREE && lastCpu == e.cpu() && lastPid == e.pid()) {
                    stacksAfterAFree++;
                }
            } else {
                if (e.timestampNanos() < lastTs) {
                    outOfOrder++;
                } else if (lastTs != Long.MIN_VALUE) {
                    maxGapNanos = Math.max(maxGapNanos, e.timestampNanos() - lastTs);
                }
                lastTs = Math.max(lastTs, e.timestampNanos());
                if (e.cacheId() >= 0) {
                    caches.add(e.cacheId());
                }
                if (e.type() == AllocEvent.ALLOC) {
                    allocs++;
                    if (e.address() == 0) {
                        failed++;
                    } else if (e.address() == 16) {
                        zeroSize++;
                    } else {
                        outstanding.add(e.address());
                    }
                } else if (e.type() == AllocEvent.FREE) {
                    frees++;
                    if (e.address() == 0) {
                        nullFrees++;
                    } else if (!outstanding.remove(e.address())) {
                        unpaired++;
                    }
                }
            }
            lastType = e.type();
            lastCpu = e.cpu();
            lastPid = e.pid();
        }

        @Override
        public void onLoss(int cpu, long count) {
            throw new AssertionError("the warm-up reported a loss on cpu" + cpu);
        }

        @Override
        public void onSkipped(int cpu, long count) {
            throw new AssertionError("the merge skipped " + count + " made-up records or pages on cpu" + cpu);
        }
    }

    @Test
    void madeUpPagesMergeAndDecodeAsLiveOnes() {
        List<Seen> scratch = run(Formats.schema(), 2, 150_000);
        long maxGap = scratch.stream().mapToLong(s -> s.maxGapNanos).max().orElse(0);
        assertTrue(maxGap >= 2_900_000_000L, "a gap of seconds (a time extend): " + maxGap);
    }

    /** 64 KiB sub-buffers, as hunt and record read: the same checks over pages of sixteen times the size. */
    @Test
    void largeSubBuffersToo() {
        String header = Formats.resource("header_page").replace("size:4080", "size:65520");
        run(TraceSchema.parse(header, Formats.formatTexts(), "64k"), 2, 150_000);
    }

    /**
     * A machine of 64 possible CPUs: pages come from four of them (a round's size and the pages in flight do not grow
     * with the CPU count), still three scratch consumers, the other CPUs quiet.
     */
    @Test
    void manyCpusKeepTheRoundsSmall() {
        List<Seen> scratch = run(Formats.schema(), 64, 150_000);
        assertTrue(scratch.stream().allMatch(s -> s.cpus.size() <= MergeWarmUp.ACTIVE_CPUS), "pages from four CPUs");
    }

    private static List<Seen> run(TraceSchema schema, int cpus, int events) {
        ArrayBlockingQueue<Page> spare = new ArrayBlockingQueue<>(MergeWarmUp.PAGES_IN_FLIGHT * cpus + cpus);
        List<Seen> scratch = new ArrayList<>();
        long[] sites = new long[64];
        for (int i = 0; i < sites.length; i++) {
            sites[i] = 0xffffffff81000000L + 0x1000L * i;
        }
        MergeWarmUp.Result r = MergeWarmUp.run(
                () -> new EventMerger(cpus, schema.header(), new KmemDecoder(schema, new NameTable()),
                        1_000_000_000L, spare::offer),
                spare, schema.header(), cpus, () -> {
                    Seen s = new Seen();
                    scratch.add(s);
                    return new MergeWarmUp.Scratch(s, () -> s.ticks++);
                }, sites, events, false);
        long seen = scratch.stream().mapToLong(s -> s.events).sum();
        assertEquals(r.events(), seen, "every event decoded reached a consumer");
        assertTrue(r.events() >= events, r.toString());
        assertEquals(0, r.malformed(), "the encoder and the decoder agree on every record");
        assertEquals(0, r.skipped(), "no made-up page breaks the format");
        assertEquals(0, r.forced(), "merged by time, none forced past the order");
        assertEquals(scratch.size(), r.consumers());
        assertEquals(3, r.consumers(), "a fresh scratch at 70,000 and 140,000 events");
        for (Seen s : scratch) {
            assertEquals(0, s.outOfOrder, "each scratch sees time order across CPUs");
            assertTrue(s.ticks > 0, "the tick ran between rounds");
            assertTrue(s.stacksAfterTheirAlloc > s.stacks * 8 / 10, "most stacks come right after their allocation: "
                    + s.stacksAfterTheirAlloc + " of " + s.stacks);
            assertTrue(s.stacksAfterAFree > 0 && s.stacksAfterTheirAlloc + s.stacksAfterAFree < s.stacks,
                    "some after a free (" + s.stacksAfterAFree + "), some after no event of their task");
            assertTrue(s.stacks > 0 && s.nullFrees > 0 && s.zeroSize > 0 && s.failed > 0 && s.unpaired > 0,
                    "stacks " + s.stacks + ", kfree(NULL) " + s.nullFrees + ", kmalloc(0) " + s.zeroSize
                            + ", failed " + s.failed + ", unpaired " + s.unpaired);
            assertTrue(s.frees > s.allocs / 2, "allocations are freed again: " + s.allocs + " / " + s.frees);
            assertTrue(s.caches.size() > 10, "caches beyond the ten named ones: " + s.caches.size());
            assertTrue(s.shortStacks > 0 && s.longStacks > 0, "stacks in both header forms: " + s.shortStacks + " / "
                    + s.longStacks);
        }
        return scratch;
    }
}
