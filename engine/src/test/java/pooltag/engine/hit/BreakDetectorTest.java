package pooltag.engine.hit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Pool;
import pooltag.linux.symbols.KernelSymbolResolver;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.engine.run.PublishingLedger;

/** The one break rule (hit, kd, web), on synthetic events (no kernel needed). */
public class BreakDetectorTest {
    static final long TRACE = 0xffffffff81100000L;
    static final long KMALLOC = 0xffffffff81100100L;
    public static final long PIPE = 0xffffffff81200000L;
    static final long DO_PIPE2 = 0xffffffff81200200L;
    public static final long FREE_PIPE = 0xffffffff81300000L;
    public static final KernelSymbols SYMBOLS = KernelSymbols.parse(String.join("\n",
            "ffffffff81100000 t trace_event_raw_event_kmalloc",
            "ffffffff81100100 T __kmalloc_cache_noprof",
            "ffffffff81200000 T alloc_pipe_info",
            "ffffffff81200200 T do_pipe2",
            "ffffffff81300000 T free_pipe_info",
            "ffffffff81400000 T _etext", ""), "", "test");
    static final HitTarget PIPE_HIT = HitTarget.resolve("alloc_pipe_info", "", SYMBOLS);

    /** One mutable event, reused as a decoder does. */
    public static final class Ev implements AllocEvent {
        int type, cpu, pid;
        int source = SOURCE_KMALLOC;
        long ts, addr, site, bytes;
        long requested = -1;
        long[] frames = new long[0];

        public Ev set(int type, long ts, int cpu, int pid, long addr, long site, long bytes, long... frames) {
            this.type = type;
            this.ts = ts;
            this.cpu = cpu;
            this.pid = pid;
            this.addr = addr;
            this.site = site;
            this.bytes = bytes;
            this.frames = frames;
            return this;
        }

        public int type() { return type; }
        public int source() { return source; }
        public long timestampNanos() { return ts; }
        public int cpu() { return cpu; }
        public int pid() { return pid; }
        public long address() { return addr; }
        public long callSite() { return site; }
        public long bytesRequested() { return requested >= 0 ? requested : bytes; }
        public long bytesAllocated() { return bytes; }
        public int cacheId() { return -1; }
        public long gfpFlags() { return 0; }
        public int stackDepth() { return frames.length; }
        public long stackFrame(int i) { return frames[i]; }
    }

    final Ledger ledger = new Ledger(CacheCatalog.NONE, new KernelSymbolResolver(SYMBOLS));
    final List<Break> breaks = new ArrayList<>();
    final List<Integer> generations = new ArrayList<>();
    final BreakDetector d = new BreakDetector(ledger, () -> SYMBOLS, id -> null, pid -> "p" + pid, new BreakDetector.Sink() {
        @Override
        public boolean accepts() {
            return breaks.size() < 3;
        }

        @Override
        public void onBreak(int generation, Break b) {
            generations.add(generation);
            breaks.add(b);
        }
    });
    final Ev e = new Ev();

    /** As PublishingLedger drives them: the tap first, then the ledger. */
    void feed(Ev ev) {
        d.onEvent(ev);
        ledger.onEvent(ev);
    }

    @Test
    void anAllocationFollowedByItsStackIsABreakWithoutTheTracepointFrames() {
        d.arm(PIPE_HIT, 100, 7);
        feed(e.set(AllocEvent.ALLOC, 99, 0, 5, 0xffff888000001000L, PIPE + 0x5d, 192)); // before arming: not a hit
        feed(e.set(AllocEvent.STACK, 99, 0, 5, 0, 0, 0, TRACE + 4, KMALLOC + 0x23f, PIPE + 0x5d, DO_PIPE2 + 0x55));
        assertEquals(List.of(), breaks);
        feed(e.set(AllocEvent.ALLOC, 200, 1, 42, 0xffff888000002000L, PIPE + 0x5d, 1024));
        feed(e.set(AllocEvent.STACK, 200, 1, 42, 0, 0, 0, TRACE + 4, KMALLOC + 0x23f, PIPE + 0x5d, DO_PIPE2 + 0x55));
        assertEquals(1, breaks.size());
        Break b = breaks.get(0);
        assertEquals(new Break(1, Break.Kind.ALLOC, "alloc_pipe_info", 200, 101, 1, 42, "p42", 0xffff888000002000L,
                PIPE + 0x5d, 1024, -1, Pool.NONPAGED,
                List.of("__kmalloc_cache_noprof+0x23f", "alloc_pipe_info+0x5d", "do_pipe2+0x55"), true), b);
        assertEquals(List.of(7), generations);
    }

    /**
     * Before 6.2 a kmem_cache allocation names no cache: a cache's hit recognises its allocations by their object and
     * slot sizes (inode_cache: 632 in 640), not another cache's of other sizes.
     */
    @Test
    void anUnnamedCacheAllocationIsAHitByItsSizes() {
        HitTarget inode = HitTarget.resolve("inode_cache", HitTargetTest.SLABINFO_61, HitTargetTest.SYSFS_61, SYMBOLS,
                new HitTarget.CacheNameFields(false, true));
        d.arm(inode, 0, 1);
        e.source = AllocEvent.SOURCE_KMEM_CACHE;
        e.requested = 192; // dentry's sizes: not a hit
        feed(e.set(AllocEvent.ALLOC, 10, 0, 5, 0xffff888000004000L, PIPE + 0x10, 192));
        e.requested = 632;
        feed(e.set(AllocEvent.ALLOC, 20, 0, 5, 0xffff888000005000L, PIPE + 0x20, 640));
        feed(e.set(AllocEvent.STACK, 20, 0, 5, 0, 0, 0, PIPE + 0x20));
        assertEquals(1, breaks.size(), breaks.toString());
        assertEquals(0xffff888000005000L, breaks.get(0).address());
        assertEquals(640, breaks.get(0).size());
    }

    @Test
    void theFreeOfAHeldBlockIsABreakWithItsSizeEvenWithoutAStack() {
        d.arm(PIPE_HIT, 0, 1);
        feed(e.set(AllocEvent.ALLOC, 10, 0, 5, 0xffff888000003000L, PIPE + 0x5d, 192));
        feed(e.set(AllocEvent.STACK, 10, 0, 5, 0, 0, 0, PIPE + 0x5d));
        feed(e.set(AllocEvent.FREE, 20, 1, 6, 0xffff888000003000L, FREE_PIPE + 0x10, 0)); // kfree's site is not ours
        assertEquals(1, breaks.size(), "the free waits for a stack that may follow");
        feed(e.set(AllocEvent.ALLOC, 30, 1, 6, 0xffff888000009000L, FREE_PIPE, 64)); // next event on CPU 1
        assertEquals(2, breaks.size());
        Break f = breaks.get(1);
        assertEquals(Break.Kind.FREE, f.kind());
        assertEquals(192, f.size(), "the freed block's size, from the ledger before it applied the free");
        assertEquals(List.of(), f.frames());
        feed(e.set(AllocEvent.FREE, 40, 1, 6, 0xffff888000777000L, FREE_PIPE, 0)); // never held: not a hit
        d.onEnd(false);
        assertEquals(2, breaks.size());
    }

    @Test
    void aBreakCarriesTheCgroupTheLedgerChargedNotTheFreeingTasks() {
        ledger.tagByCgroup(new pooltag.core.ledger.CgroupResolver() {
            @Override
            public int cgroupOf(AllocEvent ev) {
                return ev.pid() == 5 ? 1 : 2; // pid 5 in /pods/a, anyone else in /pods/b
            }

            @Override
            public String path(int id) {
                return id == 1 ? "/pods/a" : "/pods/b";
            }
        });
        d.arm(PIPE_HIT, 0, 1);
        feed(e.set(AllocEvent.ALLOC, 10, 0, 5, 0xffff888000003000L, PIPE + 0x5d, 192));
        feed(e.set(AllocEvent.STACK, 10, 0, 5, 0, 0, 0, PIPE + 0x5d));
        feed(e.set(AllocEvent.FREE, 20, 1, 6, 0xffff888000003000L, FREE_PIPE + 0x10, 0)); // pid 6 is in /pods/b
        feed(e.set(AllocEvent.ALLOC, 30, 1, 6, 0xffff888000009000L, FREE_PIPE, 64));
        assertEquals(2, breaks.size());
        int a = ledger.tagId(pooltag.core.tag.TagKind.CGROUP, "/pods/a");
        assertTrue(a >= 0);
        assertEquals(a, breaks.get(0).cgroupTag(), "the allocation's");
        assertEquals(a, breaks.get(1).cgroupTag(), "the free: the block's owner, read before the ledger dropped it");
    }

    @Test
    void reArmingForgetsThePendingEventAndAFullSinkDropsAndCounts() {
        d.arm(PIPE_HIT, 0, 1);
        feed(e.set(AllocEvent.ALLOC, 10, 0, 5, 0xffff888000004000L, PIPE + 0x5d, 192));
        d.arm(PIPE_HIT, 0, 2);
        feed(e.set(AllocEvent.STACK, 11, 0, 5, 0, 0, 0, PIPE + 0x5d));
        assertEquals(List.of(), breaks, "the stack of an event seen under the old generation is not a break");
        for (int i = 0; i < 5; i++) {
            feed(e.set(AllocEvent.ALLOC, 20 + i, 0, 5, 0xffff888000010000L + 0x100L * i, PIPE + 0x5d, 192));
            feed(e.set(AllocEvent.STACK, 20 + i, 0, 5, 0, 0, 0, PIPE + 0x5d));
        }
        assertEquals(3, breaks.size());
        assertEquals(2, d.dropped());
        assertTrue(generations.stream().allMatch(g -> g == 2));
        d.disarm();
        feed(e.set(AllocEvent.ALLOC, 99, 0, 5, 0xffff888000020000L, PIPE + 0x5d, 192));
        feed(e.set(AllocEvent.STACK, 99, 0, 5, 0, 0, 0, PIPE + 0x5d));
        assertEquals(3, breaks.size(), "disarmed: nothing breaks");
        assertEquals(99, d.lastEventNanos());
    }

    @Test
    void aCpuBeyondAnyFixedTableStillBreaks() {
        // HitBreaks sized its arrays at availableProcessors()*2+64 and dropped higher CPUs silently.
        int cpu = Runtime.getRuntime().availableProcessors() * 2 + 64 + 1000;
        d.arm(PIPE_HIT, 0, 1);
        feed(e.set(AllocEvent.ALLOC, 10, cpu, 5, 0xffff888000005000L, PIPE + 0x5d, 192));
        feed(e.set(AllocEvent.STACK, 10, cpu, 5, 0, 0, 0, PIPE + 0x5d));
        assertEquals(1, breaks.size());
        assertEquals(cpu, breaks.get(0).cpu());
        assertEquals(1, breaks.get(0).seq());
    }

    @Test
    void aLossEndsThePendingEventAsABreakWithoutStackAndReachesTheSink() {
        List<String> losses = new ArrayList<>();
        BreakDetector withLoss = new BreakDetector(ledger, () -> SYMBOLS, id -> null, pid -> "", new BreakDetector.Sink() {
            @Override
            public void onBreak(int generation, Break b) {
                breaks.add(b);
            }

            @Override
            public void onLoss(int cpu, long count) {
                losses.add(cpu + ":" + count);
            }
        });
        withLoss.arm(PIPE_HIT, 0, 1);
        Ev ev = e.set(AllocEvent.ALLOC, 10, 2, 5, 0xffff888000006000L, PIPE + 0x5d, 192);
        withLoss.onEvent(ev);
        ledger.onEvent(ev);
        withLoss.onLoss(2, 40);
        assertEquals(List.of("2:40"), losses);
        assertEquals(1, breaks.size());
        assertEquals(false, breaks.get(0).stacked(), "the stack, if any, was lost with the events");
        assertEquals(List.of(), breaks.get(0).frames());
    }

    @Test
    void aWildcardTargetBreaksOnEachFunctionItNamesUnderThatFunctionsName() {
        HitTarget both = HitTarget.resolve("site:*_pipe_info", "", SYMBOLS);
        assertEquals(List.of("alloc_pipe_info", "free_pipe_info"), both.ledgerNames().stream().sorted().toList());
        d.arm(both, 0, 3);
        feed(e.set(AllocEvent.ALLOC, 10, 0, 5, 0xffff888000007000L, FREE_PIPE + 0x10, 64));
        feed(e.set(AllocEvent.STACK, 10, 0, 5, 0, 0, 0, FREE_PIPE + 0x10));
        feed(e.set(AllocEvent.ALLOC, 11, 0, 5, 0xffff888000008000L, DO_PIPE2 + 0x10, 64)); // do_pipe2: not named
        feed(e.set(AllocEvent.STACK, 11, 0, 5, 0, 0, 0, DO_PIPE2 + 0x10));
        assertEquals(1, breaks.size());
        assertEquals("free_pipe_info", breaks.get(0).tag());
    }
}
