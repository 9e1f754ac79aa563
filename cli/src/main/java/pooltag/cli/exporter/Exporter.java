package pooltag.cli.exporter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * A running exporter: {@code /metrics} (the text format Prometheus asks for in its Accept header) and
 * {@code /-/healthy} on the JDK's HTTP server, over one {@link TagCollector} in a registry of its own (no JVM
 * metrics, no global state). A scrape that cannot be answered (procfs unreadable, the tracing session dead) is a 500
 * whose body is one line saying why, never a stack trace, so Prometheus marks the target down with a readable
 * {@code scrape_error}. Close it to stop.
 */
public final class Exporter implements AutoCloseable {
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
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new TagCollector(usage, trace, top));
        ExpositionFormats formats = ExpositionFormats.init();
        HttpServer hs = HttpServer.create(listen, 0);
        ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pooltag-exporter-", 0)
                .factory());
        hs.setExecutor(threads);
        hs.createContext("/metrics", ex -> metrics(ex, registry, formats));
        hs.createContext("/-/healthy", ex -> send(ex, 200, "text/plain; charset=utf-8", "Exporter is healthy.\n"));
        hs.createContext("/", ex -> send(ex, 404, "text/plain; charset=utf-8", "pooltag exporter: see /metrics\n"));
        hs.start();
        return new Exporter(hs, threads);
    }

    private static void metrics(HttpExchange ex, PrometheusRegistry registry, ExpositionFormats formats)
            throws IOException {
        try (ex) {
            byte[] body;
            ExpositionFormatWriter writer = formats.findWriter(ex.getRequestHeaders().getFirst("Accept"));
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
            ex.getResponseHeaders().set("Content-Type", writer.getContentType());
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
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
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
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
