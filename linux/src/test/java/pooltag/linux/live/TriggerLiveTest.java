package pooltag.linux.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.tracefs.Tracefs;
import pooltag.linux.tracefs.TracefsInstance;

/** Triggers added and removed while tracing (kd's PoolHitTag), and the merge-thread tick. */
class TriggerLiveTest {
    private Tracefs fs;

    @AfterEach
    void nothingLeftBehind() throws Exception {
        if (fs != null) {
            // Only this JVM's: other pooltag processes on the machine may be tracing in their own instances.
            assertFalse(Files.exists(fs.instancesDir().resolve(pooltag.linux.tracefs.InstanceOwner.current().instanceName())),
                    "instance left behind");
        }
    }

    /** The trigger lines the kernel lists for an event (its file starts with comment lines when there is none). */
    static List<String> kernelTriggers(TracefsInstance in, String key) {
        return in.readEventFile(key, "trigger").lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stackTriggerAddedWhileTracingIsRemovedByRemoveStackTrigger() throws Exception {
        fs = Live.tracefsOrSkip();
        String filter = "call_site.function == alloc_pipe_info";
        try (TraceSession s = TraceSession.open(TraceConfig.kmem().withBufferSizeKb(1024))) {
            s.start(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent event) {
                }

                @Override
                public void onLoss(int cpu, long count) {
                }
            });
            TracefsInstance in = s.instance();
            assertEquals(List.of(), kernelTriggers(in, "kmem/kmalloc"));
            in.addStackTrigger("kmem/kmalloc", filter);
            List<String> armed = kernelTriggers(in, "kmem/kmalloc");
            assertEquals(1, armed.size(), armed.toString());
            assertTrue(armed.get(0).startsWith("stacktrace") && armed.get(0).contains("alloc_pipe_info"), armed.toString());
            assertEquals(Map.of("kmem/kmalloc", List.of("stacktrace if " + filter)), in.triggers());

            assertFalse(in.removeStackTrigger("kmem/kfree", filter), "never added there: nothing written");
            assertTrue(in.removeStackTrigger("kmem/kmalloc", filter));
            assertEquals(List.of(), kernelTriggers(in, "kmem/kmalloc"), "the kernel dropped it");
            assertEquals(Map.of(), in.triggers());
            assertFalse(in.removeStackTrigger("kmem/kmalloc", filter), "second removal: nothing to do");

            // Re-adding works (the kernel refuses a second stacktrace trigger on an event while one is there).
            in.addStackTrigger("kmem/kmalloc", filter);
            assertEquals(1, kernelTriggers(in, "kmem/kmalloc").size());
            s.close();
            assertFalse(Files.exists(in.dir()), "close removed the instance with its trigger");
            assertFalse(in.removeStackTrigger("kmem/kmalloc", filter), "after close: a no-op");
            assertThrows(PooltagException.class, () -> in.addStackTrigger("kmem/kmalloc", filter));
        }
    }

    /** Ticks whose times the tick test keeps: 1 s of them at the promised period. */
    static final int TICKS_TIMED = 50;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tickRunsOnTheMergeThreadWhileIdleAndAfterTheEnd() throws Exception {
        fs = Live.tracefsOrSkip();
        AtomicReference<Thread> consumerThread = new AtomicReference<>();
        AtomicReference<Thread> tickThread = new AtomicReference<>();
        AtomicLong ticks = new AtomicLong();
        long[] tickNanos = new long[TICKS_TIMED]; // the first TICKS_TIMED ticks' times, written by the merge thread
        AtomicLong ticksAfterEnd = new AtomicLong();
        boolean[] ended = new boolean[1];
        try (TraceSession s = TraceSession.open(TraceConfig.kmem().withBufferSizeKb(1024))) {
            s.start(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent event) {
                    consumerThread.set(Thread.currentThread());
                }

                @Override
                public void onLoss(int cpu, long count) {
                }

                @Override
                public void onEnd(boolean truncated) {
                    ended[0] = true;
                }
            }, null, () -> {
                tickThread.set(Thread.currentThread());
                long n = ticks.get(); // one writer, the merge thread: the time is stored before the count shows it
                if (n < TICKS_TIMED) {
                    tickNanos[(int) n] = System.nanoTime();
                }
                ticks.set(n + 1);
                if (ended[0]) {
                    ticksAfterEnd.incrementAndGet();
                }
            });
            // The tick comes at most 20 ms apart while idle. Judged by the median gap, so a stall of the whole JVM
            // on a loaded machine (GC, JIT, another process on both CPUs) cannot fail it, while a tick that only came
            // with events, or at a slower period, does.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (ticks.get() < TICKS_TIMED) {
                assertTrue(System.nanoTime() < deadline, "ticks in 20 s: " + ticks.get());
                Thread.sleep(20);
            }
            s.stop();
            long[] gaps = new long[TICKS_TIMED - 1];
            for (int i = 1; i < TICKS_TIMED; i++) {
                gaps[i - 1] = tickNanos[i] - tickNanos[i - 1];
            }
            java.util.Arrays.sort(gaps);
            long medianMs = TimeUnit.NANOSECONDS.toMillis(gaps[gaps.length / 2]);
            assertTrue(medianMs <= 25, "median gap between ticks " + medianMs + " ms, sorted gaps (ns) "
                    + java.util.Arrays.toString(gaps));
            assertEquals("pooltag-merge", tickThread.get().getName());
            if (consumerThread.get() != null) {
                assertEquals(consumerThread.get(), tickThread.get());
            }
            assertEquals(1, ticksAfterEnd.get(), "one tick after onEnd");
            assertEquals(null, s.failure());
        }
    }
}
