package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An OutOfMemoryError on any thread ends the process with one line and status 3, after the shutdown hooks (which is
 * where a tracing session turns tracing off and removes its instance). The child runs with a 32 MiB heap.
 */
class FatalTest {
    /** The child: a shutdown hook that says it ran, then a worker thread that fills the heap. */
    public static void main(String[] args) throws Exception {
        Fatal.install();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook ran")));
        Thread filler = new Thread(() -> {
            List<long[]> hog = new ArrayList<>();
            while (true) {
                hog.add(new long[1 << 16]);
            }
        }, "filler");
        filler.start();
        filler.join();
        Thread.sleep(30_000); // the exit comes from Fatal, not from here
        System.out.println("limped on");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anOutOfMemoryErrorOnAnyThreadExitsWithOneLineAfterTheHooks() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
                FatalTest.class.getName()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out + err);
        assertTrue(out.contains("hook ran"), "the shutdown hooks ran: " + out);
        assertFalse(out.contains("limped on"));
        assertEquals(1, err.strip().lines().count(), "one line: " + err);
        assertTrue(err.startsWith("pooltag: out of memory (Java heap space); exiting"), err);
    }
}
