package pooltag.cli.exporter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import pooltag.cli.http.HttpAnswers;
import pooltag.cli.http.HttpServerLimits;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * A running exporter: {@code /metrics} (OpenMetrics when the Accept header names it, else the text format 0.0.4;
 * never protobuf, whose writer is not on the class path) and {@code /-/healthy} on the JDK's HTTP server, over one
 * {@link TagCollector} in a registry of its own (no JVM metrics, no global state). Both answer GET and HEAD only;
 * any other method is a 405 naming them. A scrape that cannot be answered (procfs unreadable, the tracing session
 * dead) is a 500 whose body is one line saying why, never a stack trace, so Prometheus marks the target down with a
 * readable {@code scrape_error}. A scrape is gzipped when its Accept-Encoding asks (Prometheus does). Close it to
 * stop.
 */
public final class Exporter implements AutoCloseable {
    /** What {@code /metrics} and {@code /-/healthy} answer: a scrape reads, nothing else does. */
    static final String ALLOW = "GET, HEAD";
    /** The most bytes of an unwanted request body read away before answering (a scrape sends none). */
    static final int DRAIN_BYTES = HttpAnswers.REFUSED_BODY_DRAIN;

    private final HttpServer server;
    private final ExecutorService threads;

    private Exporter(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /**
     * Starts serving.
     *
     * @param listen where to bind (the command defaults to 127.0.0.1:9464; port 0 picks a free port)
     * @param usage  fresh usage snapshots, one call per scrape
     * @param trace  the ledger's published snapshots for the trace counters, or null (no --trace)
     * @param top    tags exported by name; the rest are summed into tag="other"
     */
    public static Exporter start(InetSocketAddress listen, Supplier<UsageSnapshot> usage, Supplier<UsageSnapshot> trace,
                                 int top) throws IOException {
        return start(listen, usage, trace, top, null, 0);
    }

    /**
     * Starts serving, with the per-cgroup series.
     *
     * @param cgroups    fresh per-cgroup kernel memory, one call per scrape, or null (no cgroup series)
     * @param topCgroups cgroups exported by path; the rest are summed into cgroup="other"
     */
    public static Exporter start(InetSocketAddress listen, Supplier<UsageSnapshot> usage, Supplier<UsageSnapshot> trace,
                                 int top, Supplier<pooltag.core.cgroup.CgroupSnapshot> cgroups, int topCgroups)
            throws IOException {
        return start(listen, usage, trace, top, cgroups, topCgroups, null);
    }

    /**
     * @param tracePairs the ledger's published (cgroup, cache) snapshot for
     *                   {@code pooltag_trace_cgroup_outstanding_bytes}, or null (no --tag-by cgroup)
     */
    public static Exporter start(InetSocketAddress listen, Supplier<UsageSnapshot> usage, Supplier<UsageSnapshot> trace,
                                 int top, Supplier<pooltag.core.cgroup.CgroupSnapshot> cgroups, int topCgroups,
                                 Supplier<UsageSnapshot> tracePairs) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new TagCollector(usage, trace, top));
        if (cgroups != null) {
            registry.register(new CgroupCollector(cgroups, topCgroups));
        }
        if (tracePairs != null) {
            registry.register(new TraceCgroupCollector(tracePairs, top));
        }
        ExpositionFormats formats = ExpositionFormats.init();
        HttpServerLimits.apply();
        HttpServer hs = HttpServer.create(listen, 0);
        ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pooltag-exporter-", 0)
                .factory());
        hs.setExecutor(threads);
        hs.createContext("/metrics", bodySettledFirst(ex -> {
            if (methodAllowed(ex)) {
                metrics(ex, registry, formats);
            }
        }));
        hs.createContext("/-/healthy", bodySettledFirst(ex -> {
            if (methodAllowed(ex)) {
                send(ex, 200, "text/plain; charset=utf-8", "Exporter is healthy.\n");
            }
        }));
        hs.createContext("/", bodySettledFirst(
                ex -> send(ex, 404, "text/plain; charset=utf-8", "pooltag exporter: see /metrics\n")));
        hs.start();
        return new Exporter(hs, threads);
    }

    /**
     * {@code answer}, after the request's body is settled: no address here reads one, and one sent anyway (a POST's)
     * is read away if at most {@link #DRAIN_BYTES}, so the connection takes the next request, else the answer closes it
     * ({@link HttpAnswers#settleUnreadBody}); and a request without a usable Host header is a 400 (RFC 9112, 3.2).
     */
    private static HttpHandler bodySettledFirst(HttpHandler answer) {
        return ex -> {
            HttpAnswers.settleUnreadBody(ex, DRAIN_BYTES);
            String hostProblem = HttpAnswers.hostProblem(ex);
            if (hostProblem != null) {
                send(ex, 400, "text/plain; charset=utf-8", "pooltag exporter: " + hostProblem + "\n");
                return;
            }
            answer.handle(ex);
        };
    }

    /** True for GET and HEAD; anything else (POST, TRACE, a made-up method) gets a 405 here and false. */
    private static boolean methodAllowed(HttpExchange ex) throws IOException {
        if (HttpAnswers.allows(ALLOW, ex.getRequestMethod())) {
            return true;
        }
        HttpAnswers.methodNotAllowed(ex, ALLOW, "text/plain; charset=utf-8",
                ("pooltag exporter: this address answers " + ALLOW + " only\n").getBytes(StandardCharsets.UTF_8));
        return false;
    }

    /**
     * The writer for a scrape's Accept header. The library's {@link ExpositionFormats#findWriter} picks protobuf
     * whenever Accept names it (Prometheus does with native histograms on), whether or not the protobuf writer is on
     * the class path; it is not here (only the text formats are a dependency), and writing with it throws. So an
     * unavailable choice falls back to OpenMetrics if Accept allows it, else to the text format 0.0.4, which
     * Prometheus parses whatever it asked for: the scrape succeeds instead of answering 500. The library also takes
     * OpenMetrics whenever Accept names it, q=0 ("not acceptable", RFC 9110, 12.4.2) included: OpenMetrics is only
     * chosen when Accept lists it with a q above 0.
     */
    static ExpositionFormatWriter writerFor(ExpositionFormats formats, String accept) {
        ExpositionFormatWriter openMetrics = formats.getOpenMetricsTextFormatWriter();
        boolean openMetricsAccepted = HttpAnswers.hasToken(accept, "application/openmetrics-text");
        ExpositionFormatWriter writer = formats.findWriter(accept);
        if (writer.isAvailable() && (writer != openMetrics || openMetricsAccepted)) {
            return writer;
        }
        return openMetricsAccepted ? openMetrics : formats.getPrometheusTextFormatWriter();
    }

    private static void metrics(HttpExchange ex, PrometheusRegistry registry, ExpositionFormats formats)
            throws IOException {
        try (ex) {
            byte[] body;
            ExpositionFormatWriter writer = writerFor(formats, ex.getRequestHeaders().getFirst("Accept"));
            try {
                MetricSnapshots snapshots = registry.scrape();
                ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
                writer.write(out, snapshots);
                body = out.toByteArray();
            } catch (RuntimeException e) {
                send(ex, 500, "text/plain; charset=utf-8", "pooltag exporter: " + oneLine(e.getMessage()) + "\n");
                return;
            } catch (OutOfMemoryError e) {
                pooltag.cli.Fatal.outOfMemory(e);
                throw e;
            }
            if (HttpAnswers.hasToken(ex.getRequestHeaders().getFirst("Accept-Encoding"), "gzip")) {
                // Prometheus asks for gzip on every scrape: the text shrinks about sixfold (10.6 kB to 1.8 kB for
                // the default top 50), which a fleet's scrapes add up
                ByteArrayOutputStream zipped = new ByteArrayOutputStream(body.length / 4 + 64);
                try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
                    gz.write(body);
                }
                body = zipped.toByteArray();
                ex.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            ex.getResponseHeaders().set("Vary", "Accept, Accept-Encoding");
            HttpAnswers.send(ex, 200, writer.getContentType(), body);
        }
    }

    static String oneLine(String s) {
        if (s == null) {
            return "scrape failed";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        HttpAnswers.send(ex, status, type, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The bound port (the real one when started on port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
