package pooltag.linux.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.recording.Recorder;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.Tracefs;

/** record -> file -> replay: 997 pipes made by a child process are all in the recording, paired, with stacks. */
class LiveRecordingTest {
    static final int PIPES = 997;
    @TempDir
    Path dir;
    private Tracefs fs;

    @AfterEach
    void nothingLeftBehind() throws Exception {
        if (fs != null) {
            assertEquals(List.of(), Live.ourInstances(fs), "instances left behind");
        }
    }

    private static String read(Path p) {
        try {
            return pooltag.linux.tracefs.KernelFiles.read(p).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void recordingHoldsEveryPipeAllocationItsFreeAndItsStack() throws Exception {
        fs = Live.tracefsOrSkip();
        Path file = dir.resolve("pipes.ptrec");
        CompletableFuture<Recorder.Result> rec = CompletableFuture.supplyAsync(() -> Recorder.record(file,
                TraceConfig.kmem().withBufferSizeKb(16384), Duration.ofSeconds(8), "alloc_pipe_info",
                // The site's filter as engine's HitTarget writes it (this module cannot see the engine).
                (base, tag, slabinfo, sysfs, symbols) -> {
                    TraceConfig c = base;
                    for (String e : base.events()) {
                        c = c.withStackTrigger(e, "call_site.function == " + tag);
                    }
                    return c;
                }, new PrintStream(System.err)));
        Path inst = fs.instancesDir().resolve(pooltag.linux.tracefs.InstanceOwner.current().instanceName());
        long deadline = System.nanoTime() + 60_000_000_000L;
        // A new instance starts with tracing_on 1; the session turns it off, sizes the buffer (seconds on a loaded
        // machine), enables the events ("1*" with a trigger) and turns tracing on at start: wait for both.
        while (!(read(inst.resolve("events/kmem/kmalloc/enable")).startsWith("1")
                && read(inst.resolve("tracing_on")).equals("1")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(200);
        Process child = PipeMaker.start(PIPES, 0);
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        Recorder.Result result = rec.get(60, TimeUnit.SECONDS);
        assertEquals(0, result.lost(), "no events lost while recording");
        try (var files = Files.list(dir)) { // the raw-page and sample spools went once the file was complete
            assertEquals(List.of("pipes.ptrec"), files.map(p -> p.getFileName().toString()).toList());
        }

        try (RecordingReader r = RecordingReader.open(file)) {
            KernelSymbols syms = r.symbols();
            long[] range = syms.resolveFunctionRange("alloc_pipe_info");
            assertNotNull(range);
            // the kernel allocates page references for a splice(2) of trace_pipe_raw whenever its buffer holds entries
            long[] spliceSite = syms.resolveFunctionRange("tracing_buffers_splice_read");
            long[] spliceAllocs = {0};
            Set<Long> live = new HashSet<>();
            long[] n = new long[4]; // allocs, paired frees, stacks with a pipe syscall frame, losses
            boolean[] afterPipeAlloc = {false};
            RecordingReader.Replay rp = r.replay(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent e) {
                    if (e.type() == AllocEvent.STACK) {
                        if (afterPipeAlloc[0]) {
                            for (int i = 0; i < e.stackDepth(); i++) {
                                String fn = syms.functionName(e.stackFrame(i));
                                if (fn != null && fn.contains("pipe2")) {
                                    n[2]++;
                                    break;
                                }
                            }
                        }
                        afterPipeAlloc[0] = false;
                        return;
                    }
                    afterPipeAlloc[0] = false;
                    if (e.source() != AllocEvent.SOURCE_KMALLOC) {
                        return;
                    }
                    if (spliceSite != null && e.type() == AllocEvent.ALLOC && e.callSite() >= spliceSite[0]
                            && e.callSite() < spliceSite[1]) {
                        spliceAllocs[0]++;
                    }
                    if (e.type() == AllocEvent.ALLOC && e.callSite() >= range[0] && e.callSite() < range[1]) {
                        n[0]++;
                        live.add(e.address());
                        afterPipeAlloc[0] = true;
                    } else if (e.type() == AllocEvent.FREE && live.remove(e.address())) {
                        n[1]++;
                    }
                }

                @Override
                public void onLoss(int cpu, long count) {
                    n[3] += Math.max(1, count);
                }
            }, 1_000_000_000L);
            System.out.printf("recording: %d bytes, %d pages, events %d, pipe kmallocs %d, paired kfrees %d,"
                            + " pipe2 stacks %d, lost %d, out of order %d%n", rp.fileBytes(), rp.pages(),
                    rp.totalEvents(), n[0], n[1], n[2], rp.lostTotal(), rp.outOfOrder());
            assertTrue(rp.complete(), "END block present");
            for (int k = 0; k < result.eventsByKind().length; k++) { // counted after the stop, from the spool
                assertEquals(rp.eventsByKind()[k], result.eventsByKind()[k], "events of kind " + k);
            }
            assertTrue(r.samples() >= 2, "slabinfo samples at the start and the end, and between: " + r.samples());
            assertEquals(0, rp.lostTotal());
            assertEquals(0, n[3]);
            assertEquals(0, rp.skippedPages());
            assertTrue(n[0] >= PIPES, "kmalloc at alloc_pipe_info: " + n[0]);
            assertTrue(n[1] >= PIPES, "kfree paired by ptr: " + n[1]);
            assertTrue(n[2] >= PIPES, "stacks through pipe2 right after the allocation: " + n[2]);
            // Printed, not asserted: a splice allocates only when the buffer holds entries, so a warm-up made while
            // tracing allocates as many times as events happened to arrive meanwhile (956 and 3,076 in two runs made
            // so on purpose; 260-433 here normally). That the warm-up ends before tracing is on is asserted by
            // LiveSessionTest.theReadersOwnSparePagesAreNotTraced, through the same latch.
            System.out.printf("splice allocations in the recording: %d (warm-up: %d calls per CPU before tracing)%n",
                    spliceAllocs[0], pooltag.linux.kmem.TraceSession.WARM_UP_CALLS);
        }
    }
}
