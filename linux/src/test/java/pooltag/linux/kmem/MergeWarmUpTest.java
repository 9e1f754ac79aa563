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

        @Override
        public void onEvent(AllocEvent e) {
            events++;
            if (e.type() == AllocEvent.STACK) {
                stacks++;
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
    }

    @Test
    void madeUpPagesMergeAndDecodeAsLiveOnes() {
        TraceSchema schema = Formats.schema();
        ArrayBlockingQueue<Page> spare = new ArrayBlockingQueue<>(10);
        List<Seen> scratch = new ArrayList<>();
        long[] sites = new long[64];
        for (int i = 0; i < sites.length; i++) {
            sites[i] = 0xffffffff81000000L + 0x1000L * i;
        }
        MergeWarmUp.Result r = MergeWarmUp.run(
                () -> new EventMerger(2, schema.header(), new KmemDecoder(schema, new NameTable()), 1_000_000_000L,
                        spare::offer),
                spare, schema.header(), 2, () -> {
                    Seen s = new Seen();
                    scratch.add(s);
                    return new MergeWarmUp.Scratch(s, () -> s.ticks++);
                }, sites, 150_000, false);
        long seen = scratch.stream().mapToLong(s -> s.events).sum();
        assertEquals(r.events(), seen, "every event decoded reached a consumer");
        assertTrue(r.events() >= 150_000, r.toString());
        assertEquals(0, r.malformed(), "the encoder and the decoder agree on every record");
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
        }
        long maxGap = scratch.stream().mapToLong(s -> s.maxGapNanos).max().orElse(0);
        assertTrue(maxGap >= 2_900_000_000L, "a gap of seconds (a time extend): " + maxGap);
    }
}
