package pooltag.cli.exporter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * A running exporter: the Prometheus client's HTTP server ({@code /metrics}, {@code /-/healthy}) over one
 * {@link TagCollector} in a registry of its own (no JVM metrics, no global state). Close it to stop.
 */
public final class Exporter implements AutoCloseable {
    private final HTTPServer server;

    private Exporter(HTTPServer server) {
        this.server = server;
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
        HTTPServer server = HTTPServer.builder().inetAddress(listen.getAddress()).port(listen.getPort())
                .registry(registry).buildAndStart();
        return new Exporter(server);
    }

    /** The bound port (the real one when started on port 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
