package pooltag.cli.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.engine.testkit.Live;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.procfs.ProcfsSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExporterTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** The value of the one sample of {@code metric} whose labels include every {@code name="value"} given. */
    static double value(String text, String metric, String... labels) {
        Double found = null;
        for (String line : text.split("\n")) {
            if (!line.startsWith(metric + "{") && !line.startsWith(metric + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                if (found != null) {
                    fail("two samples of " + metric + " match " + List.of(labels) + " in\n" + text);
                }
                found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        if (found == null) {
            fail("no sample of " + metric + " with " + List.of(labels) + " in\n" + text);
        }
        return found;
    }

    static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    static UsageSnapshot growingFilp(int n) {
        // Distinctive primes; filp grows by 211 objects of 256 bytes per read.
        return new UsageSnapshot(n, "test", List.of(
                new TagUsage("filp", TagKind.CACHE, Pool.NONPAGED, -1, -1, 211L * n, 256L * 211 * n, ""),
                new TagUsage("dentry", TagKind.CACHE, Pool.PAGED, -1, -1, 97, 97 * 192, ""),
                new TagUsage("kmalloc-64", TagKind.CACHE, Pool.NONPAGED, -1, -1, 13, 13 * 64, ""),
                new TagUsage("vmalloc:0xffffffffc0a81234", TagKind.VMALLOC, Pool.NONPAGED, -1, -1, 1, 4096, "")), Loss.NONE);
    }

    @Test
    void servesPerTagGaugesReadFreshAtEveryScrape() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(reads.incrementAndGet()), null, 2)) {
            String first = scrape(e.port());
            String second = scrape(e.port());
            assertEquals(2, reads.get(), "one snapshot read per scrape");
            assertEquals(211, value(first, "pooltag_tag_live_objects", "tag=\"filp\"", "pool=\"NonPaged\"", "kind=\"cache\""));
            assertEquals(422, value(second, "pooltag_tag_live_objects", "tag=\"filp\""));
            assertEquals(256.0 * 422, value(second, "pooltag_tag_bytes", "tag=\"filp\""));
            assertEquals(97 * 192, value(second, "pooltag_tag_bytes", "tag=\"dentry\"", "pool=\"Paged\""));
            assertEquals(13 * 64 + 4096, value(second, "pooltag_tag_bytes", "tag=\"other\"", "pool=\"NonPaged\""));
            assertEquals(0, value(second, "pooltag_tag_bytes", "tag=\"other\"", "pool=\"Paged\""));
            assertEquals(4, value(second, "pooltag_snapshot_tags"));
            assertFalse(second.contains("kmalloc-64"), "tags outside the top N are not exported by name");
            assertFalse(second.contains("pooltag_trace_"), "no trace counters without a trace feed");
        }
    }

    @Test
    void neverExportsAKernelAddress() throws Exception {
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            String text = scrape(e.port());
            assertEquals(4096, value(text, "pooltag_tag_bytes", "tag=\"vmalloc:<addr>\""));
            assertFalse(text.toLowerCase().contains("ffffffff"), text);
        }
    }

    @Test
    void traceFeedAddsAllocFreeAndLossCounters() throws Exception {
        UsageSnapshot ledger = new UsageSnapshot(5, "ledger", List.of(
                new TagUsage("alloc_pipe_info", TagKind.SITE, Pool.NONPAGED, 1009, 7, 1002, 1002 * 320, "")),
                new Loss(31, 3, 2, false));
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), () -> ledger, 50)) {
            String text = scrape(e.port());
            assertEquals(1009, value(text, "pooltag_trace_allocs_total", "tag=\"alloc_pipe_info\"", "kind=\"site\""));
            assertEquals(7, value(text, "pooltag_trace_frees_total", "tag=\"alloc_pipe_info\""));
            assertEquals(31, value(text, "pooltag_trace_lost_events_total"));
            assertEquals(3, value(text, "pooltag_trace_unpaired_frees_total"));
            assertEquals(2, value(text, "pooltag_trace_skipped_records_total"));
        }
    }

    @Test
    void aFailedReadAnswers500SoPrometheusMarksTheTargetDown() throws Exception {
        try (Exporter e = Exporter.start(loopback(), () -> {
            throw new pooltag.core.error.PooltagException("cannot read /proc/slabinfo: permission denied");
        }, null, 5)) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode(), r.body());
            assertEquals("pooltag exporter: cannot read /proc/slabinfo: permission denied\n", r.body(),
                    "one line, no stack trace");
        }
    }

    /** A dead tracing session (its merge thread failed) must not leave the exporter serving the last counters. */
    @Test
    void aDeadTraceFeedAnswers500WithOneLine() throws Exception {
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), () -> {
            throw new pooltag.core.error.PooltagException("tracing stopped: consumer failed: boom\n\tat x.y(Z.java:1)");
        }, 5)) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode(), r.body());
            assertEquals("pooltag exporter: tracing stopped: consumer failed: boom\n", r.body());
        }
    }

    @Test
    void liveProcfsScrapeHasTheFilpCacheAndStaysBounded() throws Exception {
        pooltag.engine.testkit.Live.assumeLive();
        try (Exporter e = Exporter.start(loopback(), ProcfsSource.live()::take, null, 10)) {
            String text = scrape(e.port());
            assertTrue(value(text, "pooltag_snapshot_tags") > 50, "a real kernel has many caches");
            long series = text.lines().filter(l -> l.startsWith("pooltag_tag_bytes{")).count();
            assertTrue(series <= 2 * 10 + 2, "at most 2N+2 series, got " + series);
            assertTrue(value(text, "pooltag_tag_bytes", "tag=\"other\"", "pool=\"NonPaged\"") > 0);
            assertFalse(text.matches("(?s).*0x[0-9a-f]{8,}.*"), "no address in\n" + text);
        }
    }
}
