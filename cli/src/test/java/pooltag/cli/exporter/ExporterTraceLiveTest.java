package pooltag.cli.exporter;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.cli.leaks.LeakChild;
import pooltag.engine.testkit.Live;
import pooltag.cli.live.TracefsInstances;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.engine.publish.TraceFeeds;

/**
 * {@code exporter --trace} on the live kernel: {@code pooltag_trace_allocs_total} of the call site
 * {@code alloc_pipe_info} grows by at least two per pipe while a child leaks 211 pipes, the loss counters are
 * served, no kernel address appears, and closing the feed removes the tracefs instance.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ExporterTraceLiveTest {
    static final int PIPES = 211;
    static final Pattern ADDRESS = Pattern.compile("0x[0-9a-f]{8,}|ffff[0-9a-f]{12}");

    @Test
    void traceAllocCountersGrowDuringAPipeLeak() throws Exception {
        Live.assumeLive();
        try (LeakChild leak = LeakChild.start("pipe", PIPES, 2000)) {
            try (TraceFeeds.Feed feed = TraceFeeds.open();
                 Exporter e = Exporter.start(ExporterTest.loopback(), ProcfsSource.live()::take, feed, 50)) {
                String first = waitFor(e.port());
                // No pipe may have been made since tracing began: then the site has no series yet, which is 0.
                double before = first.contains("tag=\"alloc_pipe_info\"") ? allocPipeInfo(first) : 0;
                leak.leak();
                double after = before;
                String text = first;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (after - before < 2.0 * PIPES && System.nanoTime() < deadline) {
                    Thread.sleep(250);
                    text = ExporterTest.scrape(e.port());
                    after = text.contains("tag=\"alloc_pipe_info\"") ? allocPipeInfo(text) : 0;
                }
                assertTrue(after - before >= 2.0 * PIPES, "alloc_pipe_info allocs grew by " + (after - before)
                        + " for " + PIPES + " pipes\n" + text);
                for (String loss : new String[] {"pooltag_trace_lost_events_total", "pooltag_trace_unpaired_frees_total",
                        "pooltag_trace_skipped_records_total"}) {
                    assertTrue(ExporterTest.value(text, loss) >= 0, loss);
                }
                assertFalse(ADDRESS.matcher(text).find(), "a kernel address was exported:\n" + text);
                System.out.println("ExporterTraceLiveTest: alloc_pipe_info allocs " + before + " -> " + after);
            }
        }
        assertFalse(TracefsInstances.ours(), "the trace feed left its tracefs instance behind");
    }

    static double allocPipeInfo(String text) {
        return ExporterTest.value(text, "pooltag_trace_allocs_total", "tag=\"alloc_pipe_info\"", "kind=\"site\"");
    }

    /** Scrapes until trace counters are served (the ledger publishes its first snapshot within ~1 s). */
    static String waitFor(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            String t = ExporterTest.scrape(port);
            if (t.lines().anyMatch(l -> l.startsWith("pooltag_trace_allocs_total{") && !l.contains("tag=\"other\""))) {
                return t;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no pooltag_trace_allocs_total series within 20 s:\n" + t);
            }
            Thread.sleep(250);
        }
    }
}
