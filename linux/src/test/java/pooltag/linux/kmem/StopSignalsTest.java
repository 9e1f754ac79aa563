package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        try (StopSignals s = StopSignals.install(ps)) {
            Signal.raise(new Signal("TERM")); // before any run: remembered
            // The handler runs on the JVM's signal thread: it counts the signal, then prints its line; wait for both
            // (waiting for the count alone raced the line under load; the test JVM may have inherited SIGINT as
            // ignored, in which case install() has already said so on the same stream).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(s.stopRequested() && err.toString(StandardCharsets.UTF_8).contains("SIGTERM: stopping"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(s.stopRequested(), "the handler ran");
            AtomicInteger stops = new AtomicInteger();
            s.onStop(stops::incrementAndGet); // the run starts after the signal: it is stopped at once
            assertEquals(1, stops.get());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("SIGTERM: stopping; the report follows"),
                    err.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * A JVM started with SIGINT ignored (as bash starts a script's background jobs) cannot be stopped by SIGINT: the
     * scope says so at once, and says nothing when the signal is live.
     */
    @Test
    void anInheritedIgnoredSigintIsSaid() throws Exception {
        assertTrue(probe(true).contains("pooltag: SIGINT is ignored by this process"), probe(true));
        String live = probe(false);
        assertTrue(live.contains("probe done") && !live.contains("ignored"), live);
    }

    /**
     * Runs the probe with SIGINT set to ignored or to its default explicitly, whatever this JVM inherited (a test run
     * started as a script's background job has it ignored, and a shell cannot reset a signal ignored at its entry:
     * python can).
     */
    private static String probe(boolean ignoreInt) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String py = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN if sys.argv[1] == 'ign'"
                + " else signal.SIG_DFL); os.execv(sys.argv[2], sys.argv[2:])";
        Process p = new ProcessBuilder("python3", "-c", py, ignoreInt ? "ign" : "dfl", java, "-cp",
                System.getProperty("java.class.path"), Probe.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** The child: opens and closes a scope. */
    static final class Probe {
        public static void main(String[] args) {
            try (StopSignals s = StopSignals.install(System.err)) {
                System.err.println("probe done");
            }
        }
    }
}
