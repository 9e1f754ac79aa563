package pooltag.engine.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.procfs.SlabSysfs;
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

    private final KernelSymbols symbols;
    private final TraceSession session;
    private final PublishingLedger published;
    private final ProcfsSource procfs;
    private final List<UsageSnapshot> procfsSeries = new ArrayList<>();
    private boolean started;
    private long startNanos;
    private long stopNanos;
    private SessionStats stats;

    private TracingRun(KernelSymbols symbols, TraceSession session, LedgerOptions options) {
        this.symbols = symbols;
        this.session = session;
        SlabSysfs sysfs = SlabSysfs.live();
        this.procfs = new ProcfsSource(Path.of("/"), false, sysfs);
        this.published = PublishingLedger.over(session.names(), sysfs, symbols, options);
    }

    /**
     * Opens the session (removing instances left by killed pooltag processes) without starting it.
     *
     * @throws pooltag.core.error.PooltagException one line, when tracing cannot start (not root, no tracefs, busy)
     */
    public static TracingRun open(KernelSymbols symbols, TraceConfig config) {
        return open(symbols, config, KmemTagPolicy.ledgerOptions());
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
        startNanos = System.nanoTime();
        // The ranking's cross-check starts from the kernel's totals just before the first event is traced.
        procfsSeries.add(procfs.take());
        session.start(published, null, onTick == null ? published::onTick : () -> {
            published.onTick();
            onTick.run();
        });
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
        session.requestStop();
    }

    /**
     * Traces for {@code duration} (or until stopped), snapshotting procfs every {@code procfsEvery}; calls
     * {@code onSample} (on this thread) after each snapshot, e.g. to re-arm stack triggers mid-run. Starts the run
     * without a tap when {@link #start} was not called.
     */
    public SessionStats runFor(Duration duration, Duration procfsEvery, Runnable onSample) throws InterruptedException {
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
            if (onSample != null) {
                onSample.run();
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
        if (!started) {
            start(null);
        }
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
