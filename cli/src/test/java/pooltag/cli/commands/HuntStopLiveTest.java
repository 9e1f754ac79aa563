package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.leaks.LeakChild;
import pooltag.cli.render.Json;

/**
 * Stopping is finishing: a {@code hunt} stopped by SIGINT or SIGTERM at a random moment ends its tracing, ranks what
 * it saw and prints its whole report (text or JSON) before it exits 0, and leaves no tracefs instance behind. The
 * hunts run as child JVMs so the signals reach only them; a pipe leak runs meanwhile so there is something to
 * report. bench/hunt-stop.sh does the same 20 times.
 */
class HuntStopLiveTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void huntsStoppedAtRandomMomentsPrintTheirWholeReport() throws Exception {
        HuntLiveTest.needsTracing();
        Random rnd = new Random();
        String[][] runs = {{"INT", "text"}, {"TERM", "json"}, {"TERM", "text"}, {"INT", "json"}};
        try (LeakChild leak = LeakChild.start("pipe", 4000, 200)) {
            leak.go();
            for (String[] run : runs) {
                long delayMs = 300 + rnd.nextInt(3000);
                boolean json = run[1].equals("json");
                Path out = dir.resolve("out-" + run[0] + "-" + run[1] + ".txt");
                Path err = dir.resolve("err-" + run[0] + "-" + run[1] + ".txt");
                ProcessBuilder pb = new ProcessBuilder(pooltag.cli.ChildCommand.pooltag("hunt", "--duration", "60s"));
                if (json) {
                    pb.command().add("--json");
                }
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                Path on;
                // The child's instance is pooltag-<pid>-<pidns>-<starttime>: found by its pid prefix.
                while ((on = tracingOn(p.pid())) == null) {
                    assertTrue(p.isAlive() && System.nanoTime() < deadline, "hunt never traced: " + Files.readString(err));
                    Thread.sleep(20);
                }
                Thread.sleep(delayMs);
                assertEquals(0, new ProcessBuilder("kill", "-" + run[0], Long.toString(p.pid())).start().waitFor());
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hunt did not exit after SIG" + run[0]);
                String o = Files.readString(out);
                String e = Files.readString(err);
                String what = "SIG" + run[0] + " after " + delayMs + " ms, " + run[1] + ":\n" + o + e;
                assertEquals(0, p.exitValue(), what);
                assertTrue(e.contains("SIG" + run[0] + ": stopping; the report follows"), what);
                if (json) {
                    JsonNode j = Json.MAPPER.readTree(o);
                    assertTrue(j.has("findings") && j.has("suspects") && j.has("loss"), what);
                } else {
                    assertTrue(o.startsWith("Hunt over "), what);
                    String last = o.strip().lines().reduce((a, b) -> b).orElse("").strip();
                    assertTrue(last.startsWith("Loss: ") && last.contains(" evicted outstanding"),
                            "the report ends with its whole loss line: " + what);
                }
                assertTrue(!Files.exists(on.getParent()), "instance left behind: " + on.getParent());
            }
        }
    }

    /**
     * {@code mon --trace --batch} stopped by SIGTERM (SIGINT the same; a child started here inherits it as the test
     * JVM has it) after its second snapshot: the series ends there with its growth summary on stdout and the trace
     * counters on stderr, exit 0, no instance left. Before, the JVM's default handler ended it at once with neither.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTracedMonSeriesStoppedBySignalEndsWithItsGrowthAndCounters() throws Exception {
        HuntLiveTest.needsTracing();
        Path out = dir.resolve("mon-out.txt");
        Path err = dir.resolve("mon-err.txt");
        Process p = new ProcessBuilder(pooltag.cli.ChildCommand.pooltag("mon", "--trace", "--batch", "--count", "100",
                "--interval", "0.5", "--top", "3")).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Path on;
            while ((on = tracingOn(p.pid())) == null || !Files.readString(out).contains(" Snapshot 2 of 100")) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "mon never traced: " + Files.readString(err));
                Thread.sleep(20);
            }
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mon did not exit after SIGTERM");
            String o = Files.readString(out);
            String e = Files.readString(err);
            String what = o + e;
            assertEquals(0, p.exitValue(), what);
            assertTrue(e.contains("SIGTERM: stopping; the report follows"), what);
            assertTrue(o.contains(" Growth over "), "the series' growth summary: " + what);
            assertTrue(e.contains("pooltag mon: trace: ") && e.contains(" lost by the kernel "), "its counters: " + what);
            assertTrue(!Files.exists(on.getParent()), "instance left behind: " + on.getParent());
        } finally {
            p.destroyForcibly();
        }
    }

    /** The {@code tracing_on} file of the instance of process {@code pid} once it reads 1, else null. */
    static Path tracingOn(long pid) throws java.io.IOException {
        Path root = pooltag.cli.live.TracefsInstances.dir();
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (var dirs = Files.list(root)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                if (d.getFileName().toString().startsWith("pooltag-" + pid + "-")) {
                    Path on = d.resolve("tracing_on");
                    try {
                        if (Files.readString(on).trim().equals("1")) {
                            return on;
                        }
                    } catch (java.io.IOException gone) {
                        // removed between the listing and the read
                    }
                }
            }
        }
        return null;
    }
}
