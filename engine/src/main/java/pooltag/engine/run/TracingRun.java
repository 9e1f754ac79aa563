package pooltag.engine.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.CgroupResolver;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.MergeWarmUp;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.recording.DiskRoom;
import pooltag.linux.recording.RecordingSink;
import pooltag.linux.symbols.KernelSymbols;

/**
 * One live tracing run wired to a ledger, in four steps every live view takes:
 * <ol>
 *   <li>{@link #open}: the private tracefs session and a {@link PublishingLedger} over the kernel's symbols; nothing
 *       is traced yet, so a caller builds its tap against {@link #ledger()} and {@link #session()};</li>
 *   <li>{@link #start}: the session starts and drives the ledger (tap first) on its merge thread;</li>
 *   <li>{@link #runFor} (a bounded run that samples {@code /proc/slabinfo} for the ranking's cross-check) or
 *       {@link #follow} (until {@link #requestStop()}, keeping no series): both stop and drain the session, after
 *       which the ledger may be read from the calling thread;</li>
 *   <li>{@link #close}: the instance is torn down (the session's shutdown hook does it too).</li>
 * </ol>
 * SIGINT/SIGTERM end {@code runFor} and {@code follow} like {@link #requestStop()}.
 */
public final class TracingRun implements AutoCloseable {
    /** How often a run looks at {@link TraceSession#failure()}: a dead merge thread ends it within this. */
    static final Duration FAILURE_POLL = Duration.ofMillis(200);

    /**
     * What a run drives: the calls it makes on a {@link TraceSession}, and nothing else. The seam lets a test drive
     * the run's order (tap before ledger, stop, failure) from a scripted source without tracefs.
     */
    public interface Source {
        /** Starts the merge thread: {@code consumer} sees every event, {@code tick} runs between merge rounds. */
        void start(AllocEventConsumer consumer, Runnable tick);

        void requestStop();

        boolean awaitStopRequest(Duration d) throws InterruptedException;

        /** What killed the merge thread or a reader; null while healthy. */
        Throwable failure();

        /** Drains and stops; throws the failure when there was one. */
        SessionStats stop();

        void close();
    }

    private final KernelSymbols symbols;
    /** The live session; null for a run over a test's {@link Source}. */
    private final TraceSession session;
    private final Source source;
    /** {@link #onTracingOn}; null when nothing is announced. */
    private Runnable onTracingOn;
    private final PublishingLedger published;
    private Supplier<UsageSnapshot> procfs;
    /** The pool kinds the ledger and the procfs samples use, read once at open; null for a scripted source. */
    private final SlabSysfs sysfs;
    /** The recording this run writes as it goes ({@link #recordTo}), or null. */
    private RecordingSink recording;
    /** Set on the sampling thread when the recording's file system ran short ({@link #outOfRoom()}). */
    private volatile String outOfRoom;
    private final List<UsageSnapshot> procfsSeries = new ArrayList<>();
    private boolean started;
    private long startNanos;
    private long stopNanos;
    private boolean stopped;
    private boolean closed;
    private SessionStats stats;
    /** The ledger's options, for the warm-up's scratch ledger; null for a scripted source. */
    private final LedgerOptions options;
    /** What {@link #start} compiled before tracing ({@link MergeWarmUp}); null when it did not run. */
    private MergeWarmUp.Result warmUp;

    /**
     * {@code -Dpooltag.warmMerge=false} starts tracing without compiling the merge path first (for a comparison:
     * {@code bench/compare.sh ... huntcold}).
     */
    static final boolean WARM_MERGE = !"false".equals(System.getProperty("pooltag.warmMerge"));

    /**
     * Kernel functions that allocate on every busy machine (file, inode, dentry, pipe, mapping): the warm-up's call
     * sites, so its scratch ledger resolves real symbols as the live one will. Those this kernel lacks are skipped.
     */
    private static final List<String> WARM_UP_SITES = List.of("alloc_empty_file", "__d_alloc", "alloc_inode",
            "security_file_alloc", "alloc_pipe_info", "getname_flags", "vm_area_alloc", "mas_alloc_nodes",
            "kmalloc_reserve", "alloc_fdtable", "anon_vma_clone", "prepare_creds");

    /** The scratch ledgers' expected outstanding allocations (their table grows past it, as any table does). */
    private static final int WARM_UP_EXPECTED = 4_096;
    /** Text symbols spread over the table that the warm-up also uses as call sites. */
    private static final int WARM_UP_SPREAD = 1024;

    private TracingRun(KernelSymbols symbols, TraceSession session, LedgerOptions options) {
        this.options = options;
        this.symbols = symbols;
        this.session = session;
        this.source = live(session);
        this.sysfs = SlabSysfs.live();
        this.procfs = new ProcfsSource(Path.of("/"), false, sysfs)::take;
        this.published = PublishingLedger.over(session.names(), sysfs, symbols, options);
    }

    /** A run over a scripted source and procfs (tests); {@link #session()} is null. */
    public static TracingRun over(Source source, PublishingLedger published, Supplier<UsageSnapshot> procfs) {
        return new TracingRun(source, published, procfs);
    }

    private TracingRun(Source source, PublishingLedger published, Supplier<UsageSnapshot> procfs) {
        this.options = null;
        this.symbols = null;
        this.session = null;
        this.source = source;
        this.published = published;
        this.procfs = procfs;
        this.sysfs = null;
    }

    private Source live(TraceSession s) {
        return new Source() {
            @Override
            public void start(AllocEventConsumer consumer, Runnable tick) {
                s.start(consumer, recording, recording == null ? tick : () -> {
                    tick.run();
                    recording.onTick();
                });
            }

            @Override
            public void requestStop() {
                s.requestStop();
            }

            @Override
            public boolean awaitStopRequest(Duration d) throws InterruptedException {
                return s.awaitStopRequest(d);
            }

            @Override
            public Throwable failure() {
                return s.failure();
            }

            @Override
            public SessionStats stop() {
                return s.stop();
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    /**
     * Opens the session (removing instances left by killed pooltag processes) without starting it.
     *
     * @throws pooltag.core.error.PooltagException one line, when tracing cannot start (not root, no tracefs, busy)
     */
    public static TracingRun open(KernelSymbols symbols, TraceConfig config) {
        return open(symbols, config, KmemTagPolicy.ledgerOptions());
    }

    /**
     * As {@link #open(KernelSymbols, TraceConfig, LedgerOptions)}; when {@code cgroups} is not null the ledger also
     * tags every allocation by the allocating task's cgroup ({@code --tag-by cgroup}) from before the first event,
     * and the session traces task creation ({@link TraceConfig#withTaskEvents}) so the resolver places each task
     * born while tracing at its birth.
     */
    public static TracingRun open(KernelSymbols symbols, TraceConfig config, LedgerOptions options,
                                  CgroupResolver cgroups) {
        TracingRun run = open(symbols, cgroups == null ? config : config.withTaskEvents(), options);
        if (cgroups != null) {
            try {
                run.ledger().tagByCgroup(cgroups); // not started yet: no event has reached the ledger
            } catch (RuntimeException e) {
                run.close();
                throw e;
            }
        }
        return run;
    }

    /** As {@link #open(KernelSymbols, TraceConfig)}, with the ledger's options (tag policy, outstanding cap). */
    public static TracingRun open(KernelSymbols symbols, TraceConfig config, LedgerOptions options) {
        TraceSession s = TraceSession.open(config);
        try {
            return new TracingRun(symbols, s, options);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public KernelSymbols symbols() {
        return symbols;
    }

    public TraceSession session() {
        return session;
    }

    /**
     * Also writes the run to a recording as it goes ({@code hunt --record}): the raw pages, every
     * {@code /proc/slabinfo} sample the run takes (the very texts its snapshots are parsed from), the pool kinds
     * the ledger uses, and (through {@link RecordingSink#cgroups()}) the cgroup decisions; so a replay of the file
     * ranks what this run ranked. Before {@link #start}. The file is created now (0600, exclusive), before any event
     * is traced; {@link #finishRecording} writes its trailer after the run stopped.
     */
    public RecordingSink recordTo(Path out, java.io.PrintStream err) {
        if (started || session == null) {
            throw new IllegalStateException("a recording is set on a live run before it starts");
        }
        DiskRoom room = DiskRoom.of(out);
        room.requireAtStart(); // before the file: too little room to begin is one line, and nothing is made
        RecordingSink sink = RecordingSink.create(out);
        try {
            sink.begin(session, session.config(), null, RecordingSink.readOrEmpty("/proc/kallsyms"),
                    RecordingSink.readOrEmpty("/proc/modules"), RecordingSink.readOrEmpty("/proc/slabinfo"), sysfs, err);
        } catch (RuntimeException e) {
            sink.discard();
            throw e;
        }
        recording = sink;
        ProcfsSource source = new ProcfsSource(Path.of("/"), false, sysfs);
        int cpus = pooltag.linux.procfs.Cpus.online();
        procfs = () -> {
            long t = System.nanoTime();
            String text = source.slabinfoText();
            sink.offerSample(t, text);
            // The file grows while tracing: with every sample, the run stops as on a signal while the recording's
            // reserve is still free, and the file is finished with what was traced (DiskRoom).
            if (started && !stopped && outOfRoom == null && !room.enough(0)) {
                outOfRoom = room.stoppedAfter((t - startNanos) / 1e9);
                requestStop(); // the run's source, not the procfs one
            }
            return ProcfsSource.snapshot(t, text, "/proc/slabinfo", sysfs, cpus, null, null);
        };
        return sink;
    }

    /**
     * Why the run stopped before its duration to keep room for its recording ({@link DiskRoom#stoppedAfter}), or
     * null.
     */
    public String outOfRoom() {
        return outOfRoom;
    }

    /** The recording this run writes, or null. */
    public RecordingSink recording() {
        return recording;
    }

    /** After the run stopped: the recording's trailer, with the run's {@code facts} (its RUN block), and close. */
    public void finishRecording(java.util.Map<String, String> facts) {
        if (recording != null && stopped && stats != null) {
            recording.finish(session, stats, facts);
        }
    }

    /** Query only from the merge thread (a tap) while running, or from any thread after the run stopped. */
    public Ledger ledger() {
        return published.ledger();
    }

    /**
     * Takes the first {@code /proc/slabinfo} sample, then starts tracing; {@code tap} (may be null) sees every event
     * before the ledger, on the merge thread.
     */
    public void start(AllocEventConsumer tap) {
        start(tap, null);
    }

    /**
     * As {@link #start(AllocEventConsumer)}, and runs {@code onTick} on the merge thread between merge rounds (at
     * most 20 ms apart even when no event arrives), after the ledger's own publishing tick.
     */
    public void start(AllocEventConsumer tap, Runnable onTick) {
        if (started) {
            throw new IllegalStateException("the run is already started");
        }
        started = true;
        published.tap(tap);
        if (session != null && WARM_MERGE) {
            try {
                warmUpMerge();
            } catch (RuntimeException | OutOfMemoryError e) {
                // The warm-up only moves the JIT's work before tracing; a run traces without it, and says so.
                warmUp = null;
                System.err.println("pooltag: tracing without compiling the merge path first (its warm-up failed: "
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage().lines()
                        .findFirst().orElse("")) + ")");
            }
        }
        startNanos = System.nanoTime();
        // The ranking's cross-check starts from the kernel's totals just before the first event is traced.
        procfsSeries.add(procfs.get());
        if (session == null && onTracingOn != null) {
            onTracingOn.run(); // a test's source: nothing to warm up, announced before it starts
        }
        source.start(published, onTick == null ? published::onTick : () -> {
            published.onTick();
            onTick.run();
        });
    }

    /**
     * Runs {@code announce} once when {@link #start} has warmed up and tracing is about to go on (the session's
     * {@link TraceSession#onTracingOn}): a command's "tracing" line goes here, not before {@code start}, whose
     * warm-up takes about a second in which nothing is traced. Before {@code start}.
     */
    public void onTracingOn(Runnable announce) {
        if (started) {
            throw new IllegalStateException("announce before the run starts");
        }
        onTracingOn = announce;
        if (session != null) {
            session.onTracingOn(announce);
        }
    }

    /**
     * Compiles the merge path before tracing is on ({@link MergeWarmUp}): the session's merge and decoder classes and
     * a {@link PublishingLedger} of the live one's class, over a scratch ledger with the live one's options, symbols
     * and recent-site window (a hunt's), names of its own; nothing of it reaches the live ledger, which is the only one
     * views read. Costs {@link MergeWarmUp#DEFAULT_EVENTS} made-up events and the compilations they start.
     */
    private void warmUpMerge() {
        // the named allocators first, then text symbols spread over the table: live runs meet new sites all along,
        // and code compiled on a dozen sites only would trap on the first new one
        LongStream named = WARM_UP_SITES.stream().map(symbols::resolveFunctionRange).filter(Objects::nonNull)
                .mapToLong(r -> r[0]);
        int n = symbols.size();
        LongStream spread = IntStream.range(0, Math.min(n, WARM_UP_SPREAD))
                .mapToLong(i -> symbols.start((int) ((long) i * n / WARM_UP_SPREAD))).filter(a -> a != 0);
        long[] sites = LongStream.concat(named, spread).toArray();
        if (sites.length == 0) {
            sites = new long[] {0xffff_ffff_8100_0000L}; // no kallsyms: the live run resolves nothing either
        }
        long[] recent = published.ledger().recentSitesWindow();
        warmUp = session.warmUpMerge(() -> {
            // the live options but a small table: a scratch holds a few thousand allocations, and its table's
            // bytes would otherwise be the live table's (tens of MB, allocated again for every scratch)
            PublishingLedger scratch = PublishingLedger.over(new NameTable(), sysfs, symbols,
                    options.withExpectedOutstanding(WARM_UP_EXPECTED));
            if (recent != null) { // as the live ledger tracks them (a hunt's), its own task made up
                scratch.ledger().trackRecentSites(recent[0], recent[1], MergeWarmUp.TRACER_PID);
            }
            return new MergeWarmUp.Scratch(scratch, scratch::onTick);
        }, sites, MergeWarmUp.DEFAULT_EVENTS);
        if (Boolean.getBoolean("pooltag.debugWarmUp")) { // for measurements (docs/PERFORMANCE.md, round 8)
            System.err.printf("pooltag: merge path warmed up before tracing: %d made-up events in %d ms, then %d ms"
                    + " for the compilers%n", warmUp.events(), warmUp.nanos() / 1_000_000,
                    warmUp.waitNanos() / 1_000_000);
        }
    }

    /** What the warm-up before tracing did, or null when it did not run. */
    public MergeWarmUp.Result warmUp() {
        return warmUp;
    }

    public List<UsageSnapshot> procfsSeries() {
        return procfsSeries;
    }

    public long durationNanos() {
        return stopNanos - startNanos;
    }

    public SessionStats stats() {
        return stats;
    }

    /** Ends {@link #runFor} or {@link #follow} soon; any thread (a tap that has seen enough). */
    public void requestStop() {
        source.requestStop();
    }

    /**
     * Traces for {@code duration} (or until stopped), snapshotting procfs every {@code procfsEvery}; calls
     * {@code onSample} (on this thread) after each snapshot, e.g. to re-arm stack triggers mid-run. Starts the run
     * without a tap when {@link #start} was not called. After the run stopped, returns its stats again.
     */
    public SessionStats runFor(Duration duration, Duration procfsEvery, Runnable onSample) throws InterruptedException {
        if (stopped) {
            return stats;
        }
        if (!started) {
            start(null);
        }
        long end = System.nanoTime() + duration.toNanos();
        long nextProcfs = System.nanoTime() + procfsEvery.toNanos();
        while (true) {
            long now = System.nanoTime();
            long left = end - now;
            if (left <= 0) {
                break;
            }
            long wait = Math.min(left, Math.min(nextProcfs - now, FAILURE_POLL.toNanos()));
            if (source.awaitStopRequest(Duration.ofNanos(Math.max(1, wait)))) {
                break;
            }
            if (source.failure() != null) {
                break; // a dead merge thread delivers nothing more: stop() below throws its failure
            }
            now = System.nanoTime();
            if (now - nextProcfs < 0 && now - end < 0) {
                continue;
            }
            nextProcfs = now + procfsEvery.toNanos();
            procfsSeries.add(procfs.get());
            if (onSample != null) {
                onSample.run();
            }
        }
        stopNanos = System.nanoTime();
        stats = stop();
        procfsSeries.add(procfs.get());
        return stats;
    }

    /**
     * Traces until {@link #requestStop()} (or SIGINT/SIGTERM), keeping no procfs series: for long-lived views
     * ({@code mon --trace}, the exporter, the web page) whose memory must not grow with time. Views read
     * {@code ledger().snapshot(kind)} (published every {@link PublishingLedger#PUBLISH_EVERY_NANOS}) meanwhile.
     * After the run stopped, returns its stats again.
     */
    public SessionStats follow() throws InterruptedException {
        if (stopped) {
            return stats;
        }
        if (!started) {
            start(null);
        }
        while (!source.awaitStopRequest(FAILURE_POLL)) {
            if (source.failure() != null) {
                break; // the merge thread died: stop() throws its failure, so no view keeps showing the last frame
            }
        }
        stopNanos = System.nanoTime();
        return stop();
    }

    /** Stops the source once; a failed stop still counts as stopped (its failure was thrown to the first caller). */
    private SessionStats stop() {
        stopped = true;
        stats = source.stop();
        return stats;
    }

    /**
     * Tears the source down once; a later call returns when the first has finished (a close from another thread
     * waits for it), and at once on the closing thread itself.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            source.close();
        } finally {
            if (recording != null) {
                recording.close(); // no-op after finishRecording; else the file ends cut short, as a killed recorder's
            }
        }
    }
}
