package pooltag.engine.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.SlabCacheCatalog;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.symbols.KernelSymbolResolver;
import pooltag.linux.symbols.KernelSymbols;

/**
 * One live tracing run wired to a ledger: kernel symbols, the private tracefs session, the ledger (driven on the
 * session's merge thread) and, once a second, a {@code /proc/slabinfo} snapshot for the ranking's cross-check.
 * {@link #run} returns when the duration is over, when {@link #requestStop()} is called (by a tap that has seen
 * enough), or on SIGINT/SIGTERM; the session is then stopped and drained, and the ledger may be queried from the
 * calling thread. {@link #close()} tears the instance down (the session's shutdown hook does it too).
 */
public final class LiveRun implements AutoCloseable {
    /** How often a run looks at {@link TraceSession#failure()}: a dead merge thread ends it within this. */
    static final Duration FAILURE_POLL = Duration.ofMillis(200);

    private final KernelSymbols symbols;
    private final TraceSession session;
    private final Ledger ledger;
    private final PublishingLedger consumer;
    private final ProcfsSource procfs;
    private final List<UsageSnapshot> procfsSeries = new ArrayList<>();
    private long startNanos;
    private long stopNanos;
    private SessionStats stats;

    private LiveRun(KernelSymbols symbols, TraceSession session, LedgerOptions options,
                    Function<Ledger, AllocEventConsumer> tap) {
        this.symbols = symbols;
        this.session = session;
        SlabSysfs sysfs = SlabSysfs.live();
        this.procfs = new ProcfsSource(java.nio.file.Path.of("/"), false, sysfs);
        this.ledger = new Ledger(new SlabCacheCatalog(session.names(), sysfs), new KernelSymbolResolver(symbols),
                options);
        this.consumer = new PublishingLedger(ledger, tap == null ? null : tap.apply(ledger));
    }

    /**
     * @param tap made once the ledger exists; sees every event before the ledger (may be null)
     */
    public static LiveRun open(KernelSymbols symbols, TraceConfig config, Function<Ledger, AllocEventConsumer> tap) {
        return open(symbols, config, KmemTagPolicy.ledgerOptions(), tap);
    }

    /**
     * @param options the ledger's: Linux's tag policy and the cap on outstanding allocations
     * @param tap     made once the ledger exists; sees every event before the ledger (may be null)
     */
    public static LiveRun open(KernelSymbols symbols, TraceConfig config, LedgerOptions options,
                               Function<Ledger, AllocEventConsumer> tap) {
        TraceSession s = TraceSession.open(config);
        try {
            return new LiveRun(symbols, s, options, tap);
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

    /** Query only from the merge thread (a tap) while running, or from any thread after {@link #run} returned. */
    public Ledger ledger() {
        return ledger;
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

    public void requestStop() {
        session.requestStop();
    }

    /**
     * Traces for {@code duration} (or until stopped), snapshotting procfs every {@code procfsEvery}; calls
     * {@code onTick} (on this thread) after each snapshot, e.g. to re-arm stack triggers mid-run.
     */
    public SessionStats run(Duration duration, Duration procfsEvery, Runnable onTick) throws InterruptedException {
        startNanos = System.nanoTime();
        procfsSeries.add(procfs.take());
        session.start(consumer, null, consumer::onTick);
        long end = startNanos + duration.toNanos();
        long nextProcfs = startNanos + procfsEvery.toNanos();
        while (true) {
            long now = System.nanoTime();
            long left = end - now;
            if (left <= 0) {
                break;
            }
            long wait = Math.min(left, Math.min(nextProcfs - now, FAILURE_POLL.toNanos()));
            if (session.awaitStopRequest(Duration.ofNanos(Math.max(1, wait)))) {
                break;
            }
            if (session.failure() != null) {
                break; // a dead merge thread delivers nothing more: stop() below throws its failure
            }
            now = System.nanoTime();
            if (now - nextProcfs < 0 && now - end < 0) {
                continue;
            }
            nextProcfs = now + procfsEvery.toNanos();
            procfsSeries.add(procfs.take());
            if (onTick != null) {
                onTick.run();
            }
        }
        stopNanos = System.nanoTime();
        stats = session.stop();
        procfsSeries.add(procfs.take());
        return stats;
    }

    /**
     * Traces until {@link #requestStop()} (or SIGINT/SIGTERM), keeping no procfs series: for long-lived views
     * ({@code mon --trace}, the exporter, the web page) whose memory must not grow with time. Views read
     * {@code ledger().snapshot(kind)} (published every {@link PublishingLedger#PUBLISH_EVERY_NANOS}) meanwhile.
     */
    public SessionStats follow() throws InterruptedException {
        startNanos = System.nanoTime();
        session.start(consumer, null, consumer::onTick);
        while (!session.awaitStopRequest(FAILURE_POLL)) {
            if (session.failure() != null) {
                break; // the merge thread died: stop() throws its failure, so no view keeps showing the last frame
            }
        }
        stopNanos = System.nanoTime();
        stats = session.stop();
        return stats;
    }

    @Override
    public void close() {
        session.close();
    }
}
