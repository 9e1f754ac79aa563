package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;
import pooltag.engine.testkit.Live;
import pooltag.cli.Main;
import pooltag.cli.leaks.LeakChild;
import pooltag.cli.live.TracefsInstances;

/**
 * {@code mon --trace --batch} on the live kernel while a child process opens a distinctive number of pipes between
 * the two snapshots and keeps them: Allocs of the cache that holds {@code pipe_inode_info} (a 192-byte kmalloc,
 * {@code kmalloc-cg-192} with memcg accounting) and of the call site {@code alloc_pipe_info} must grow by at least
 * that many, as numbers, never '-'; every snapshot carries a loss line; no tracefs instance is left behind.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MonTraceLiveTest {
    static final int PIPES = 211;
    /** One row of a /n snapshot: tag, type, allocs, frees, diff, bytes, per alloc. */
    static final Pattern ROW = Pattern.compile("(?m)^ (\\S+)\\s+(Nonp|Paged)\\s+(\\S+)\\s+(\\S+)\\s+(-?\\d+)\\s+(-?\\d+)\\s+(\\d+)$");

    @AfterEach
    void noInstanceLeft() {
        assertFalse(TracefsInstances.ours(), "mon --trace left its tracefs instance behind");
    }

    /** Runs mon in-process; when its first snapshot is printed, the child leaks its pipes. */
    static String monDuringLeak(String... args) throws Exception {
        try (LeakChild leak = LeakChild.start("pipe", PIPES, 2000)) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> mon = CompletableFuture.supplyAsync(() -> {
                CommandLine cl = Main.commandLine();
                cl.setOut(new PrintWriter(out, true));
                cl.setErr(new PrintWriter(err, true));
                return cl.execute(args);
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!out.toString().contains(" Snapshot 2 of 2") && !out.toString().contains("Loss:")) {
                if (mon.isDone() || System.nanoTime() > deadline) {
                    fail("mon did not print its first snapshot: " + out + err);
                }
                Thread.sleep(10);
            }
            leak.leak(); // 211 pipes at 2000/s: about 0.1 s, well inside the 2 s interval
            assertEquals(0, mon.get(60, TimeUnit.SECONDS), err.toString());
            return out.toString();
        }
    }

    /** Per snapshot: tag -> {allocs, frees} as printed (Long.MIN_VALUE for '-'). */
    static List<Map<String, long[]>> snapshots(String out) {
        String[] parts = out.split(" Snapshot \\d of 2 at ");
        assertEquals(3, parts.length, out);
        return List.of(rows(parts[1]), rows(parts[2].substring(0, parts[2].indexOf(" Growth over"))));
    }

    static Map<String, long[]> rows(String snapshot) {
        Map<String, long[]> m = new HashMap<>();
        Matcher r = ROW.matcher(snapshot);
        while (r.find()) {
            m.put(r.group(1), new long[] {number(r.group(3)), number(r.group(4))});
        }
        return m;
    }

    static long number(String s) {
        return s.equals("-") ? Long.MIN_VALUE : Long.parseLong(s);
    }

    @Test
    void allocsOfThePipeCacheGrowByThePipesMade() throws Exception {
        Live.assumeLive();
        String out = monDuringLeak("mon", "--trace", "--batch", "--count", "2", "--interval", "2", "--no-vmalloc",
                "-i", "kmalloc-192", "-i", "kmalloc-cg-192");
        List<Map<String, long[]>> s = snapshots(out);
        long best = Long.MIN_VALUE;
        for (String cache : List.of("kmalloc-192", "kmalloc-cg-192")) {
            long[] a = s.get(0).get(cache);
            long[] b = s.get(1).get(cache);
            if (a == null || b == null) {
                continue; // merged into the other on kernels without memcg kmem accounting
            }
            assertTrue(a[0] >= 0 && b[0] >= 0 && a[1] >= 0 && b[1] >= 0, cache + " Allocs/Frees must be numbers\n" + out);
            best = Math.max(best, b[0] - a[0]);
        }
        assertTrue(best >= PIPES, "the 192-byte kmalloc caches' Allocs grew by " + best + ", expected >= " + PIPES
                + "\n" + out);
        assertEquals(2, out.split(" Loss: \\d+ lost events, \\d+ unpaired frees, \\d+ skipped records").length - 1,
                "one loss line per snapshot\n" + out);
        assertTrue(out.contains("ledger (cache tags"), out);
        System.out.println("MonTraceLiveTest: 192-byte kmalloc Allocs grew by " + best + " for " + PIPES + " pipes");
    }

    @Test
    void tagBySiteShowsAllocPipeInfoGrowingTwicePerPipe() throws Exception {
        Live.assumeLive();
        String out = monDuringLeak("mon", "--trace", "--tag-by", "site", "--batch", "--count", "2", "--interval", "2",
                "-i", "alloc_pipe_info");
        List<Map<String, long[]>> s = snapshots(out);
        long before = s.get(0).containsKey("alloc_pipe_info") ? s.get(0).get("alloc_pipe_info")[0] : 0;
        long[] after = s.get(1).get("alloc_pipe_info");
        assertTrue(after != null && after[0] >= 0, "no alloc_pipe_info row with a number in snapshot 2\n" + out);
        // alloc_pipe_info allocates the pipe_inode_info and its pipe_buffer array: two allocations per pipe.
        assertTrue(after[0] - before >= 2L * PIPES, "alloc_pipe_info Allocs grew by " + (after[0] - before) + "\n" + out);
    }

    @Test
    void tagBySiteWithoutTraceIsRefused() {
        CliRun r = CliRun.of("mon", "--tag-by", "site", "--batch");
        assertEquals(2, r.exit());
        assertEquals("pooltag: --tag-by site needs --trace: procfs knows no call sites\n", r.err());
    }
}
