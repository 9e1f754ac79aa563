package pooltag.linux.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.Tracefs;

class LiveSessionTest {
    private Tracefs fs;

    @AfterEach
    void nothingLeftBehind() throws Exception {
        if (fs != null) {
            assertEquals(List.of(), Live.ourInstances(fs), "instances left behind");
        }
    }

    /** Pairs kmalloc at alloc_pipe_info with kfree by ptr, checks order, counts loss and stacks. */
    static final class PipeCounter implements AllocEventConsumer {
        final long start, end;
        final Set<Long> live = new HashSet<>();
        long allocs, pairedFrees, lost, stacks, stacksAfterPipeAlloc, lossCalls;
        int lastAllocCpu = -1, lastAllocPid = -1;
        boolean ended;
        long lastTs = Long.MIN_VALUE, backwards;
        boolean expectStack;

        PipeCounter(long[] range) {
            start = range[0];
            end = range[1];
        }

        @Override
        public void onEvent(AllocEvent e) {
            if (e.type() != AllocEvent.STACK) {
                if (e.timestampNanos() < lastTs) {
                    backwards++;
                }
                lastTs = Math.max(lastTs, e.timestampNanos());
            }
            if (e.type() == AllocEvent.STACK) {
                stacks++;
                if (expectStack && e.cpu() == lastAllocCpu && e.pid() == lastAllocPid) {
                    stacksAfterPipeAlloc++;
                }
                expectStack = false;
                return;
            }
            expectStack = false;
            if (e.source() != AllocEvent.SOURCE_KMALLOC) {
                return;
            }
            if (e.type() == AllocEvent.ALLOC && e.callSite() >= start && e.callSite() < end) {
                allocs++;
                live.add(e.address());
                lastAllocCpu = e.cpu();
                lastAllocPid = e.pid();
                expectStack = true;
            } else if (e.type() == AllocEvent.FREE && live.remove(e.address())) {
                pairedFrees++;
            }
        }

        @Override
        public void onLoss(int cpu, long count) {
            lossCalls++;
            lost += Math.max(count, 1);
        }

        @Override
        public void onEnd(boolean truncated) {
            ended = true;
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sessionSeesEveryPipeAllocationAndItsFreeWithStacks() throws Exception {
        pipeAllocationsFreesAndStacks(0);
    }

    /**
     * The same through 64 KiB sub-buffers ({@code hunt}'s): every record, its loss accounting and the stacks'
     * adjacency hold when one read(2) moves sixteen pages' worth, and the session reads pages of the size it asked
     * for (where the kernel has {@code buffer_subbuf_size_kb}, Linux 6.8+).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void largeSubBuffersLoseNothingEither() throws Exception {
        pipeAllocationsFreesAndStacks(64);
    }

    /**
     * The readers' own allocations stay out of the trace: the kernel allocates an open {@code trace_pipe_raw}'s
     * spare page ({@code ring_buffer_alloc_read_page}) at its first read and keeps it while the file is open, so a
     * hunt once armed a stack trigger on pooltag's own reader. The readers' warm-up reads happen before tracing is
     * on: no allocation at that site by any thread of this JVM is traced. Judged by this JVM's own tasks only
     * ({@code /proc/self/task}): other tracers on the machine make their own. The order itself is asserted too: no
     * reader (reading or spooling: one latch) is still warming up when {@code start} returned.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theReadersOwnSparePagesAreNotTraced() throws Exception {
        fs = Live.tracefsOrSkip();
        KernelSymbols syms = KernelSymbols.load();
        long[] site = syms.resolveFunctionRange("ring_buffer_alloc_read_page");
        if (site == null) {
            System.out.println("SKIP: no ring_buffer_alloc_read_page in kallsyms (inlined on this kernel)");
            return;
        }
        List<long[]> seen = java.util.Collections.synchronizedList(new ArrayList<>()); // {pid, callSite}
        long[] allocs = {0};
        AllocEventConsumer c = new AllocEventConsumer() {
            @Override
            public void onEvent(AllocEvent e) {
                if (e.type() == AllocEvent.ALLOC) {
                    allocs[0]++;
                    if (e.callSite() >= site[0] && e.callSite() < site[1]) {
                        seen.add(new long[] {e.pid(), e.callSite()});
                    }
                }
            }

            @Override
            public void onLoss(int cpu, long count) {
            }
        };
        Set<Long> ours = new HashSet<>();
        try (TraceSession s = TraceSession.open(TraceConfig.kmem().withBulkSubbuf())) {
            s.start(c);
            // start turns tracing on only once every reader made its warm-up reads (the same latch as a spooling
            // reader's splices): none is still warming up when it returns
            assertEquals(0, s.readersWarmingUp(), "tracing went on while a reader was still warming up");
            Thread.sleep(1500); // the readers read what the machine allocates meanwhile, and wait
            // while the readers live: their threads leave /proc/self/task when the session stops
            try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
                tasks.forEach(t -> ours.add(Long.parseLong(t.getFileName().toString())));
            }
            s.stop();
        }
        long own = seen.stream().filter(a -> ours.contains(a[0])).count();
        System.out.printf("spare-page allocations traced: %d, by this JVM's tasks %d (of %d allocations)%n",
                seen.size(), own, allocs[0]);
        assertEquals(0, own, "a reader's first read allocated its spare page while tracing");
    }

    private void pipeAllocationsFreesAndStacks(int subbufKb) throws Exception {
        fs = Live.tracefsOrSkip();
        String before = Live.topLevelEnable(fs, "kmem/kmalloc");
        KernelSymbols syms = KernelSymbols.load();
        long[] range = syms.resolveFunctionRange("alloc_pipe_info");
        assertNotNull(range, "alloc_pipe_info in kallsyms");
        PipeCounter counter = new PipeCounter(range);
        TraceConfig cfg = TraceConfig.kmem().withSubbufKb(subbufKb)
                .withStackTrigger("kmem/kmalloc", "call_site.function == alloc_pipe_info");
        SessionStats st;
        try (TraceSession s = TraceSession.open(cfg)) {
            boolean settable = java.nio.file.Files.exists(s.instance().dir().resolve("buffer_subbuf_size_kb"));
            if (subbufKb > 0 && settable) {
                assertEquals(subbufKb * 1024, s.pageSize(), "the session reads the sub-buffer it asked for");
            }
            s.start(counter);
            Process child = PipeMaker.start(997, 0);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child finished");
            assertEquals(0, child.exitValue(), new String(child.getInputStream().readAllBytes()));
            st = s.stop();
        }
        System.out.printf("live: pipe allocs=%d pairedFrees=%d stacks=%d stacksAfterAlloc=%d lost=%d backwards=%d"
                        + " events=%d outOfOrder=%d%n", counter.allocs, counter.pairedFrees, counter.stacks,
                counter.stacksAfterPipeAlloc, counter.lost, counter.backwards, st.totalEvents(), st.outOfOrder());
        assertTrue(counter.ended, "onEnd called");
        assertEquals(0, counter.lost, "no events lost");
        // The end-of-run reconciliation: the kernel's read count equals every record pooltag walked, exactly.
        assertEquals(st.kernelRead(), st.totalEvents() + st.otherEvents() + st.malformedRecords(),
                "records the kernel handed over (read events) against records walked");
        assertEquals(0, st.unaccounted());
        assertTrue(counter.allocs >= 997, "allocs at alloc_pipe_info: " + counter.allocs);
        assertTrue(counter.pairedFrees >= 997, "frees paired by ptr: " + counter.pairedFrees);
        assertTrue(counter.stacksAfterPipeAlloc >= 997, "stacks right after their allocation: "
                + counter.stacksAfterPipeAlloc);
        assertTrue(st.events(KmemDecoder.KIND_STACK) >= 997);
        assertEquals(before, Live.topLevelEnable(fs, "kmem/kmalloc"), "top-level instance untouched");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badFilterIsOneLineWithTheKernelsReasonAndLeavesNothing() {
        fs = Live.tracefsOrSkip();
        PooltagException e = assertThrows(PooltagException.class, () -> TraceSession.open(
                TraceConfig.kmem().withFilter("kmem/kmalloc", "no_such_field == 3")));
        assertTrue(e.getMessage().contains("Field not found"), e.getMessage());
        assertTrue(e.getMessage().contains("kmem/kmalloc"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closeIsIdempotentAndWorksWithoutStart() throws Exception {
        fs = Live.tracefsOrSkip();
        TraceSession s = TraceSession.open(TraceConfig.kmem().withBufferSizeKb(1024));
        assertTrue(java.nio.file.Files.isDirectory(s.instance().dir()));
        s.close();
        s.close();
        assertTrue(!java.nio.file.Files.exists(s.instance().dir()));
    }
}
