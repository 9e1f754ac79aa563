package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import sun.misc.Signal;

/**
 * The first SIGTERM of a scope stops the run instead of the JVM, says so, and is remembered for a run that starts
 * later. (The second signal exits the JVM: bench/hunt-stop.sh and HuntStopLiveTest check that on a child.)
 */
class StopSignalsTest {
    @Test
    void theFirstSignalRunsTheStopActionAndIsRememberedForALateRun() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CountDownLatch said = new CountDownLatch(1);
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8) {
            @Override
            public void flush() {
                super.flush();
                said.countDown();
            }
        };
        try (StopSignals s = StopSignals.install(ps)) {
            Signal.raise(new Signal("TERM")); // before any run: remembered
            assertTrue(said.await(10, TimeUnit.SECONDS), "the handler ran");
            assertTrue(s.stopRequested());
            AtomicInteger stops = new AtomicInteger();
            s.onStop(stops::incrementAndGet); // the run starts after the signal: it is stopped at once
            assertEquals(1, stops.get());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("SIGTERM: stopping; the report follows"),
                    err.toString(StandardCharsets.UTF_8));
        }
    }
}
