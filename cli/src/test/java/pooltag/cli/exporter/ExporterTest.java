package pooltag.cli.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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

import pooltag.cli.http.RawAnswer;
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

    /** What Prometheus sends with --enable-feature=native-histograms: protobuf only. */
    static final String PROTOBUF_ACCEPT =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    static HttpResponse<String> get(int port, String accept) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Fails unless every line of {@code text} is a HELP or TYPE comment or a sample {@code name{labels} value} of
     * the text format (with {@code openMetrics}, also UNIT comments and the closing {@code # EOF}).
     */
    static void assertParses(String text, boolean openMetrics) {
        java.util.regex.Pattern sample = java.util.regex.Pattern.compile(
                "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})?"
                        + " [-+]?([0-9.eE+-]+|NaN|Inf)( [0-9]+)?");
        java.util.regex.Pattern comment = java.util.regex.Pattern.compile(
                "# (HELP|TYPE" + (openMetrics ? "|UNIT" : "") + ") [a-zA-Z_:][a-zA-Z0-9_:]*( .*)?");
        List<String> lines = text.lines().toList();
        assertTrue(lines.size() > 3, text);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (openMetrics && i == lines.size() - 1) {
                assertEquals("# EOF", l, "OpenMetrics ends with # EOF");
                continue;
            }
            assertTrue(sample.matcher(l).matches() || comment.matcher(l).matches(), "line " + (i + 1) + ": " + l);
        }
    }

    @Test
    void aProtobufOnlyAcceptGetsTheTextFormatNotA500() throws Exception {
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            HttpResponse<String> r = get(e.port(), PROTOBUF_ACCEPT);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
            assertParses(r.body(), false);
            assertEquals(211, value(r.body(), "pooltag_tag_live_objects", "tag=\"filp\""));
        }
    }

    /** OpenMetrics refused with q=0 (RFC 9110, 12.4.2) gets the text format, whatever else Accept lists. */
    @Test
    void openMetricsRefusedWithQZeroGetsTheTextFormat() throws Exception {
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            for (String accept : List.of("application/openmetrics-text;q=0, text/plain;q=0.5",
                    "application/openmetrics-text; version=1.0.0; q=0.0, */*;q=0.1")) {
                HttpResponse<String> r = get(e.port(), accept);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("text/plain; version=0.0.4; charset=utf-8",
                        r.headers().firstValue("Content-Type").orElse(""), accept);
                assertParses(r.body(), false);
            }
        }
    }

    @Test
    void prometheusNativeHistogramAcceptGetsOpenMetricsWhenItIsListed() throws Exception {
        // Prometheus 2.x's Accept with native histograms on: protobuf first, then OpenMetrics, then text.
        String accept = PROTOBUF_ACCEPT + ";q=0.8,application/openmetrics-text;version=1.0.0;q=0.7,"
                + "text/plain;version=0.0.4;q=0.6,*/*;q=0.5";
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            HttpResponse<String> r = get(e.port(), accept);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text;"),
                    r.headers().map().toString());
            assertParses(r.body(), true);
            assertEquals(256.0 * 211, value(r.body(), "pooltag_tag_bytes", "tag=\"filp\""));
        }
    }

    @Test
    void methodsOtherThanGetAndHeadAre405WithAllowAndNoScrape() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        String longMethod = "X".repeat(4000);
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(reads.incrementAndGet()), null, 50)) {
            for (String path : List.of("/metrics", "/-/healthy")) {
                for (String method : List.of("POST", "PUT", "DELETE", "TRACE", "PATCH", "OPTIONS", "XYZ", "get",
                        longMethod)) {
                    RawAnswer r = RawAnswer.ask(e.port(), method, path);
                    String what = method.length() > 10 ? "a 4000-character method" : method + " " + path;
                    assertEquals("HTTP/1.1 405 Method Not Allowed", r.status(), what);
                    assertEquals("GET, HEAD", r.headers().get("allow"), what);
                    assertEquals("pooltag exporter: this address answers GET, HEAD only\n", r.body(), what);
                }
            }
            assertEquals(0, reads.get(), "a refused method reads nothing");
            assertEquals("HTTP/1.1 200 OK", RawAnswer.ask(e.port(), "GET", "/metrics").status());
            assertEquals("HTTP/1.1 200 OK", RawAnswer.ask(e.port(), "GET", "/-/healthy").status());
        }
    }

    /**
     * No address takes a body, and the server drains none itself (HttpServerLimits): one of at most DRAIN_BYTES
     * (1 MiB), declared or chunked, is read away before the answer, so the client's next request on the connection
     * is answered; one declared longer is left, and the answer says Connection: close before the server closes the
     * connection (it said nothing of the kind, so a client reusing the connection met a reset).
     */
    @Test
    void oneConnectionTakesRequestAfterRequestAndABodySentAnywayIsReadAwayOrTheAnswerSaysItCloses()
            throws Exception {
        String next = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n";
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            // no body at all: a scraper's connection serves scrape after scrape (it was closed after each answer,
            // unannounced, as no handler read the empty body stream to its end)
            List<RawAnswer> scrapes = RawAnswer.askInTurn(e.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                    "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", next);
            assertEquals(List.of("HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"),
                    scrapes.stream().map(RawAnswer::status).toList());
            assertTrue(scrapes.get(0).body().contains("pooltag_tag_bytes{"), scrapes.get(0).body());
            for (String path : List.of("/metrics", "/-/healthy", "/nothing")) {
                for (int length : List.of(1, Exporter.DRAIN_BYTES)) {
                    List<RawAnswer> a = RawAnswer.askInTurn(e.port(), "POST " + path + " HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Length: " + length + "\r\n\r\n" + "b".repeat(length), next);
                    String what = length + " bytes to " + path;
                    assertEquals(2, a.size(), what + ": " + a);
                    assertEquals(path.equals("/nothing") ? "HTTP/1.1 404 Not Found" : "HTTP/1.1 405 Method Not Allowed",
                            a.get(0).status(), what);
                    assertNull(a.get(0).headers().get("connection"), what);
                    assertEquals("HTTP/1.1 200 OK", a.get(1).status(), what);
                    assertEquals("Exporter is healthy.\n", a.get(1).body(), what);
                }
                // chunked: 5 bytes and 64 KiB, then the last chunk
                List<RawAnswer> chunked = RawAnswer.askInTurn(e.port(), "POST " + path + " HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\nbbbbb\r\n10000\r\n" + "b".repeat(65536)
                        + "\r\n0\r\n\r\n", next);
                assertEquals(2, chunked.size(), "chunked to " + path + ": " + chunked);
                assertEquals("HTTP/1.1 200 OK", chunked.get(1).status());

                // declared over the drain: refused unread at once (not after the body, which may never come), and
                // the answer says the connection closes (the client sent no body here: a body still arriving when
                // the server closes draws a reset, which discards the answer at the client)
                int over = Exporter.DRAIN_BYTES + 1;
                List<RawAnswer> a = RawAnswer.askInTurn(e.port(), "POST " + path + " HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: " + over + "\r\n\r\n", next);
                assertEquals(1, a.size(), over + " bytes to " + path + ": " + a);
                assertEquals("close", a.get(0).headers().get("connection"), over + " bytes to " + path);
            }
        }
    }

    /**
     * Prometheus sends Accept-Encoding: gzip on every scrape: the scrape comes gzipped and says so, and unzips to the
     * text a plain scrape gets; gzip;q=0 refuses gzip (RFC 9110, 12.4.2), and a HEAD states the gzipped length.
     */
    @Test
    void aScrapeIsGzippedWhenAskedAndPlainWhenRefused() throws Exception {
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            HttpResponse<byte[]> zipped = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port()
                    + "/metrics")).header("Accept-Encoding", "gzip, deflate").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, zipped.statusCode());
            assertEquals("gzip", zipped.headers().firstValue("Content-Encoding").orElse(""));
            String text;
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(zipped.body()))) {
                text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            assertParses(text, false);
            assertEquals(256.0 * 211, value(text, "pooltag_tag_bytes", "tag=\"filp\""));
            assertTrue(zipped.body().length * 2 < text.length(), zipped.body().length + " gzipped of " + text.length());

            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port()
                    + "/metrics")).header("Accept-Encoding", "gzip;q=0, identity").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(java.util.Optional.empty(), refused.headers().firstValue("Content-Encoding"));
            assertParses(refused.body(), false);

            RawAnswer head = RawAnswer.ask(e.port(), "HEAD /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n"
                    + "Connection: close\r\n\r\n");
            assertEquals("gzip", head.headers().get("content-encoding"));
            int headLength = Integer.parseInt(head.headers().get("content-length"));
            assertTrue(Math.abs(headLength - zipped.body().length) < 24, headLength + " for " + zipped.body().length);
        }
    }

    /**
     * An HTTP/1.1 request without a Host header is a 400 (RFC 9112, 3.2), an HTTP/1.0 one is served; a request that
     * asks the connection to close gets an answer that says it closes (RFC 9112, 9.6).
     */
    @Test
    void hostIsRequiredOfHttp11AndConnectionCloseIsAnswered() throws Exception {
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            RawAnswer noHost = RawAnswer.ask(e.port(), "GET /-/healthy HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertEquals("HTTP/1.1 400 Bad Request", noHost.status());
            assertEquals("pooltag exporter: an HTTP/1.1 request must carry a Host header\n", noHost.body());
            RawAnswer twoHosts = RawAnswer.ask(e.port(), "GET /-/healthy HTTP/1.1\r\nHost: a\r\nHost: b\r\n"
                    + "Connection: close\r\n\r\n");
            assertEquals("HTTP/1.1 400 Bad Request", twoHosts.status());
            RawAnswer old = RawAnswer.ask(e.port(), "GET /-/healthy HTTP/1.0\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", old.status());
            RawAnswer closing = RawAnswer.ask(e.port(), "GET", "/-/healthy");
            assertEquals("HTTP/1.1 200 OK", closing.status());
            assertEquals("close", closing.headers().get("connection"));
        }
    }

    @Test
    void headGetsGetsHeadersWithoutABodyAndTheJdkServerLogsNothing() throws Exception {
        java.util.logging.Logger jdk = java.util.logging.Logger.getLogger("com.sun.net.httpserver");
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler catcher = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (isLoggable(r)) {
                    logged.add(r.getLevel() + " " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jdk.addHandler(catcher);
        RawAnswer get;
        RawAnswer head;
        RawAnswer healthy;
        RawAnswer missing;
        try (Exporter e = Exporter.start(loopback(), () -> growingFilp(1), null, 50)) {
            get = RawAnswer.ask(e.port(), "GET", "/metrics");
            head = RawAnswer.ask(e.port(), "HEAD", "/metrics");
            healthy = RawAnswer.ask(e.port(), "HEAD", "/-/healthy");
            missing = RawAnswer.ask(e.port(), "HEAD", "/nothing");
        } finally {
            jdk.removeHandler(catcher);
        }
        assertEquals(List.of(), logged, "the JDK server's log reaches stderr through the root console handler");
        assertEquals("HTTP/1.1 200 OK", head.status());
        assertEquals("", head.body());
        assertEquals(get.headers().get("content-type"), head.headers().get("content-type"));
        // Each request is its own scrape, and pooltag_snapshot_read_seconds differs in its last digits.
        int getLength = get.body().length(); // ISO-8859-1: a character per byte
        int headLength = Integer.parseInt(head.headers().getOrDefault("content-length", "-1"));
        assertTrue(Math.abs(headLength - getLength) < 24, "HEAD states GET's length: " + headLength + " for "
                + getLength);
        assertEquals("HTTP/1.1 200 OK", healthy.status());
        assertEquals("", healthy.body());
        assertEquals("HTTP/1.1 404 Not Found", missing.status());
        assertEquals("", missing.body());
    }

    @Test
    void aFailedBindIsOneLineWithTheKernelsReasonAndWhatToDo() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), busy.getLocalPort());
            java.net.SocketException failed = org.junit.jupiter.api.Assertions.assertThrows(
                    java.net.SocketException.class, () -> Exporter.start(addr, () -> growingFilp(1), null, 5).close());
            String typed = "127.0.0.1:" + busy.getLocalPort();
            pooltag.cli.options.ListenOption listen = new pooltag.cli.options.ListenOption(typed);
            String hint = "another exporter running? choose another --listen port";
            assertEquals("cannot listen on " + typed + ": address already in use (another exporter running? choose"
                    + " another --listen port)", listen.bindFailure(failed, hint).getMessage());
            assertEquals(2, listen.bindFailure(failed, hint).exitCode());
        }
        // TEST-NET-1 (RFC 5737) is on no interface of a test machine.
        InetSocketAddress foreign = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 0);
        java.net.SocketException failed = org.junit.jupiter.api.Assertions.assertThrows(
                java.net.SocketException.class, () -> Exporter.start(foreign, () -> growingFilp(1), null, 5).close());
        assertEquals("cannot listen on 192.0.2.1:0: cannot assign requested address (is it an address of this"
                + " machine? 127.0.0.1 and 0.0.0.0 always are)", new pooltag.cli.options.ListenOption("192.0.2.1:0")
                .bindFailure(failed, "in use").getMessage());
    }

    @Test
    void aLinkLocalAddressWithoutAZoneIsRefusedBeforeBinding() throws Exception {
        InetSocketAddress noZone = new InetSocketAddress(InetAddress.getByName("fe80::1"), 0);
        pooltag.core.error.PooltagException refused = org.junit.jupiter.api.Assertions.assertThrows(
                pooltag.core.error.PooltagException.class,
                () -> new pooltag.cli.options.ListenOption("[fe80::1]:18112").refuseUnbindable(noZone));
        assertEquals("cannot listen on [fe80::1]:18112: invalid argument (a link-local IPv6 address needs its"
                + " interface, e.g. [fe80::1%eth0])", refused.getMessage());
        assertEquals(2, refused.exitCode());
        new pooltag.cli.options.ListenOption("127.0.0.1:0").refuseUnbindable(loopback());
        new pooltag.cli.options.ListenOption("[::1]:0").refuseUnbindable(
                new InetSocketAddress(InetAddress.getByName("::1"), 0));
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

    /**
     * A vmalloc caller /proc/vmallocinfo prints as a bare address (pooltag.cli.commands.VmallocAddressMaskingTest's
     * fake root, read by the real ProcfsSource): never a label. Both bare callers are one series,
     * {@code vmalloc:<addr>} (a label stable across restarts, one series however many such callers), and the caller
     * whose areas differ in pages= is one caller.
     */
    @Test
    void aVmallocCallerNamedByItsAddressIsExportedMasked(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
            throws Exception {
        pooltag.cli.commands.VmallocAddressMaskingTest.buildRoot(root);
        try (Exporter e = Exporter.start(loopback(), new ProcfsSource(root, true)::take, null, 10)) {
            String text = scrape(e.port());
            assertFalse(java.util.regex.Pattern.compile("(?i)0x[0-9a-f]{8,}|ffff[0-9a-f]{12}").matcher(text).find(),
                    "no address in\n" + text);
            // 12288 + 8192 (0xffffffffc0a1b2c3's two areas, pages=2 and pages=1) + 8192 (0xffffffffc0d4e5f6)
            assertEquals(28672.0, value(text, "pooltag_tag_bytes", "tag=\"vmalloc:<addr>\""), text);
            assertEquals(3.0, value(text, "pooltag_tag_live_objects", "tag=\"vmalloc:<addr>\""), text);
            assertEquals(1, text.lines().filter(l -> l.startsWith("pooltag_tag_bytes{") && l.contains("<addr>")).count(),
                    text);
        }
    }
}
