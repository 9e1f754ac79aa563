package pooltag.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.linux.kmem.MergeWarmUp;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/**
 * The merge path's warm-up before tracing (a live run's {@code start}) runs on made-up events and leaves the live run
 * as if it had not: none of its made-up caches (names {@code pooltag_warm_up_*}, which every scratch consumer sees)
 * reach the session's names or the live ledger's cache tags, and the live ledger counts the kernel's events (here at
 * least the 100 pipes this test makes while tracing).
 */
class MergeWarmUpLiveTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theWarmUpRunsBeforeTracingAndLeavesTheLiveLedgerAlone() throws Exception {
        pooltag.engine.testkit.Live.assumeLive();
        try (TracingRun run = TracingRun.open(KernelSymbols.load(), TraceConfig.kmem())) {
            // A command's "tracing" line is said here: after the warm-up (about a second in which nothing is traced,
            // and a workload started on the line was missed for it), just before tracing goes on.
            java.nio.file.Path tracingOn = run.session().instance().dir().resolve("tracing_on");
            String[] atAnnounce = new String[2];
            run.onTracingOn(() -> {
                atAnnounce[0] = run.warmUp() == null ? "not warmed up" : "warmed up";
                atAnnounce[1] = readTrimmed(tracingOn);
            });
            run.start(null);
            assertEquals("warmed up", atAnnounce[0], "announced after the merge path's warm-up");
            assertEquals("0", atAnnounce[1], "announced before tracing went on: no event precedes the line");
            assertEquals("1", readTrimmed(tracingOn), "tracing is on once start returns");
            MergeWarmUp.Result w = run.warmUp();
            assertNotNull(w, "a live run warms its merge path up");
            System.out.println("WARM-UP: " + w);
            assertTrue(w.events() >= MergeWarmUp.DEFAULT_EVENTS, w.toString());
            assertEquals(0, w.malformed(), "every made-up record decodes");
            assertEquals(0, w.forced(), "merged in order, none forced");
            assertEquals(3, w.consumers(), "three scratch ledgers");
            assertEquals(0, w.skipped(), "no made-up page broke the format");
            for (int i = 0; i < 100; i++) {
                Pipe p = Pipe.open();
                p.sink().close();
                p.source().close();
            }
            run.runFor(Duration.ofSeconds(1), Duration.ofMillis(500), () -> { });
            NameTable names = run.session().names();
            for (int i = 0; i < names.size(); i++) {
                assertTrue(!names.name(i).startsWith("pooltag_warm_up_"), "a made-up cache in the live names: "
                        + names.name(i));
            }
            var ledger = run.ledger();
            for (int t = 0; t < ledger.tagCount(pooltag.core.tag.TagKind.CACHE); t++) {
                String name = ledger.tagName(pooltag.core.tag.TagKind.CACHE, t);
                assertTrue(name == null || !name.startsWith("pooltag_warm_up_"), "a made-up cache in the live ledger: "
                        + name);
            }
            var stats = ledger.stats();
            System.out.println("LIVE LEDGER after 1 s: " + stats);
            assertTrue(stats.allocs() >= 100, "the pipes' allocations at least: " + stats);
        }
    }

    private static String readTrimmed(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.readString(p).trim();
        } catch (java.io.IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}
