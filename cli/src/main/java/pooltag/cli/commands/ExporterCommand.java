package pooltag.cli.commands;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import pooltag.cli.options.ListenOption;
import pooltag.cli.options.NoVmallocOption;
import pooltag.cli.exporter.Exporter;
import pooltag.cli.options.BufferOptions;
import pooltag.engine.publish.TraceFeeds;
import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.ProcfsSource;

/** A Prometheus exporter of per-tag usage, for a fleet; alert rules and a dashboard are in deploy/. */
@Command(name = "exporter", mixinStandardHelpOptions = true,
        header = "A Prometheus exporter of per-tag usage (live objects, bytes and, with --trace, allocations and frees).", sortOptions = false,
        description = {"Prometheus exporter: per-tag gauges pooltag_tag_live_objects and",
                "pooltag_tag_bytes (labels tag, kind, pool) from /proc/slabinfo,",
                "/sys/kernel/slab and /proc/vmallocinfo, and pooltag_cgroup_kernel_bytes",
                "(labels cgroup, kind): kernel memory charged to each cgroup itself, from",
                "the memory controller's accounting files (top --top-cgroups + other).",
                "Values are read fresh at every scrape (no background polling;",
                "concurrent scrapes take turns).",
                "Cardinality is bounded: the top N tags by bytes keep their names, every",
                "other tag is summed into one tag=\"other\" series per pool (at most 2N+2",
                "series per metric).",
                "--trace adds counters of allocations and frees since start per cache and",
                "call site (the tracing ledger, published every 250 ms) and its loss counters.",
                "No kernel address is ever exported. Needs root (/proc/slabinfo is root-only)."},
        footer = {"", "Serves /metrics and /-/healthy. Binds to loopback unless --listen says",
                "otherwise; the metrics carry no secrets but do describe the kernel, so",
                "expose them only to your Prometheus.",
                "Alert rules, their tests and a Grafana dashboard: deploy/ (docs/FLEET.md).",
                "", "Example: pooltag exporter --listen 127.0.0.1:9464 --top 50"})
public final class ExporterCommand extends LedgerCommand implements Callable<Integer> {
    @Mixin
    ListenOption listen = new ListenOption("127.0.0.1:9464");

    @Option(names = "--top", paramLabel = "N", converter = pooltag.cli.options.TopConverter.AtLeastOne.class, description = "tags exported by name, by bytes; the rest are"
            + " summed into tag=\"other\" (default: ${DEFAULT-VALUE})")
    int top = 50;

    @Option(names = "--trace", description = "also export pooltag_trace_allocs_total and pooltag_trace_frees_total"
            + " per cache and call site, and the loss counters, from a private tracing session (kmem events)")
    boolean trace;

    @Option(names = "--top-cgroups", paramLabel = "N", converter = pooltag.cli.options.TopConverter.AtLeastOne.class, description = "cgroups exported by path in"
            + " pooltag_cgroup_kernel_bytes, by own kernel bytes; the rest are summed into cgroup=\"other\""
            + " (default: ${DEFAULT-VALUE}; at most (N+1) x 7 series on cgroup v2, (N+1) x 2 on v1)")
    int topCgroups = 20;

    @Option(names = "--tag-by", paramLabel = "KIND", description = "with --trace, cgroup: also export"
            + " pooltag_trace_cgroup_outstanding_bytes{cgroup,tag,pool}, traced bytes still outstanding per (cgroup of"
            + " the allocating task, cache), top --top pairs + other")
    String tagBy;

    @Option(names = "--no-cgroups", description = "leave out pooltag_cgroup_kernel_bytes")
    boolean noCgroups;

    @Mixin
    NoVmallocOption vmalloc;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (tagBy != null) {
            pooltag.cli.options.TagBy.parse(tagBy, java.util.EnumSet.of(pooltag.cli.options.TagBy.CGROUP));
            if (!trace) {
                throw new PooltagException("--tag-by cgroup needs --trace (pooltag_cgroup_kernel_bytes, the kernel's"
                        + " own per-cgroup accounting, needs neither)");
            }
        }
        buffer.refuseUnless(trace, "without --trace the exporter traces nothing");
        // Checked before anything is opened: a bad value is one line and no tracefs instance.
        TraceConfig traceConfig = buffer.apply(TraceConfig.kmem());
        InetSocketAddress addr = listen.address();
        listen.refuseUnbindable(addr);
        ProcfsSource source = new ProcfsSource(java.nio.file.Path.of("/"), vmalloc.withVmalloc());
        source.take(); // fail now, with the permission message, rather than at the first scrape
        java.util.function.Supplier<pooltag.core.cgroup.CgroupSnapshot> cgroups = null;
        String cgroupNote = "";
        if (!noCgroups) {
            try {
                pooltag.linux.cgroup.CgroupKernelMemory mem = pooltag.linux.cgroup.CgroupKernelMemory.live();
                mem.take(); // as for procfs: fail at start, not at the first scrape
                cgroups = mem::take;
                cgroupNote = "; top " + topCgroups + " cgroups by kernel bytes (" + mem.hierarchy().describe() + ")";
            } catch (PooltagException e) {
                spec.commandLine().getErr().println("pooltag exporter: no cgroup series: " + e.getMessage());
            }
        }
        // Opened after the procfs check so a permission error leaves no tracefs instance behind; closed in finally.
        TraceFeeds.Feed feed = trace ? TraceFeeds.open(cap.ledgerOptions(), tagBy != null, traceConfig) : null;
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch stop = new CountDownLatch(1);
        try {
            Exporter started;
            try {
                started = Exporter.start(addr, source::take, feed, top, cgroups, topCgroups,
                        feed == null ? null : feed.cgroupPairs());
            } catch (java.net.SocketException e) {
                // The bind's failure only (a port in use, an address not on this host): the user's input, one line.
                throw listen.bindFailure(e, "another exporter running? choose another --listen port");
            }
            try (Exporter exporter = started) {
                // SIGINT/SIGTERM: the session's own hook stops tracing; this one lets call() return and close both.
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "pooltag-exporter-stop"));
                err.println("pooltag exporter: serving http://" + ListenOption.authority(addr, exporter.port())
                        + "/metrics (top " + top + " tags by bytes + other" + cgroupNote + "; read at each scrape)"
                        + (feed != null ? "; tracing kmem events for pooltag_trace_*, " + traceConfig.describeBuffer()
                        : ""));
                String beyond = ListenOption.beyondLoopbackWarning("pooltag exporter", addr,
                        "can read the per-tag usage of this kernel");
                if (beyond != null) {
                    err.println(beyond);
                }
                err.flush();
                watch(feed, stop, err);
            }
        } finally {
            if (feed != null) {
                feed.close();
            }
        }
        return 0;
    }

    /**
     * How long a dead tracing session keeps the exporter answering scrapes with a 500 (its one line) before the
     * process exits non-zero: long enough for a Prometheus scrape (15-60 s apart) to record the reason, then a
     * supervisor (systemd's Restart=on-failure) starts a fresh session.
     */
    static final java.time.Duration FAILED_LINGER = java.time.Duration.ofSeconds(60);

    /** Returns on SIGINT/SIGTERM; throws (exit 1) once the trace feed has been dead for {@link #FAILED_LINGER}. */
    static void watch(TraceFeeds.Feed feed, CountDownLatch stop, PrintWriter err) throws InterruptedException {
        while (!stop.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (feed == null) {
                continue;
            }
            try {
                feed.get();
            } catch (PooltagException e) {
                err.println("pooltag exporter: " + e.getMessage() + "; scrapes answer 500, exiting in "
                        + FAILED_LINGER.toSeconds() + " s");
                err.flush();
                stop.await(FAILED_LINGER.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                throw new PooltagException(e.getMessage(), 1, e);
            }
        }
    }
}
