package pooltag.engine.run;

import java.time.Duration;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.CgroupResolver;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/**
 * A {@link TracingRun} that follows the kernel in the background for a long-lived view ({@code mon --trace}, the
 * exporter, the web page's hit view): one daemon thread drives {@link TracingRun#follow()} until {@link #close()}.
 * Views read only the ledger's published snapshots ({@link #snapshot}), which is safe from any thread. A session
 * failure (a reader or the tap threw) is kept and rethrown by the next {@link #snapshot} call, so a view never
 * shows frozen counters as if they were live. At most one feed per process (one tracefs instance per pid).
 */
public final class LiveFeed implements AutoCloseable {
    /** How long {@link #close()} waits for the session to drain before tearing the instance down regardless. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(15);

    private final TracingRun run;
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean closed;

    private LiveFeed(TracingRun run, String threadName) {
        this.run = run;
        this.thread = new Thread(this::follow, threadName);
        this.thread.setDaemon(true);
    }

    /**
     * Starts {@code run} with {@code tap} and follows it on a daemon thread; the feed owns the run from here.
     *
     * @param tap sees every event before the ledger, on the merge thread (may be null)
     */
    public static LiveFeed start(TracingRun run, AllocEventConsumer tap, String threadName) {
        try {
            run.start(tap);
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        LiveFeed f = new LiveFeed(run, threadName);
        f.thread.start();
        return f;
    }

    /** Opens a run of {@code config} and follows it with no tap (mon --trace, the exporter). */
    public static LiveFeed open(KernelSymbols symbols, TraceConfig config, String threadName) {
        return open(symbols, config, KmemTagPolicy.ledgerOptions(), threadName);
    }

    /** As {@link #open(KernelSymbols, TraceConfig, String)}, with the ledger's options (tag policy, cap). */
    public static LiveFeed open(KernelSymbols symbols, TraceConfig config, LedgerOptions options, String threadName) {
        return open(symbols, config, options, null, threadName);
    }

    /**
     * As {@link #open(KernelSymbols, TraceConfig, LedgerOptions, String)}; when {@code cgroups} is not null the ledger
     * also tags every allocation by the allocating task's cgroup ({@code --tag-by cgroup}), from before the first
     * event.
     */
    public static LiveFeed open(KernelSymbols symbols, TraceConfig config, LedgerOptions options,
                                CgroupResolver cgroups, String threadName) {
        return start(TracingRun.open(symbols, config, options, cgroups), null, threadName);
    }

    private void follow() {
        try {
            run.follow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
        }
    }

    public TracingRun run() {
        return run;
    }

    /**
     * The ledger's last published snapshot of {@code kind}, or null before the first publish.
     *
     * @throws PooltagException when the session failed or the feed is closed
     */
    public UsageSnapshot snapshot(TagKind kind) {
        Throwable f = failure;
        if (f == null) {
            f = run.session().failure(); // seen at once, before the follower has stopped the session
        }
        if (f != null) {
            throw new PooltagException("tracing stopped: " + f.getMessage(), f);
        }
        if (closed) {
            throw new PooltagException("tracing stopped: the session was closed");
        }
        return run.ledger().snapshot(kind);
    }

    /**
     * Waits for the first published snapshot (the session needs a few hundred ms of events to publish one).
     *
     * @throws PooltagException when none came within {@code timeout} or the session failed
     */
    public UsageSnapshot awaitSnapshot(TagKind kind, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            UsageSnapshot s = snapshot(kind);
            if (s != null) {
                return s;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new PooltagException("no allocation events within " + timeout.toSeconds()
                        + " s of starting to trace: is kmem tracing disabled on this kernel?");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PooltagException("interrupted while waiting for the first trace snapshot", e);
            }
        }
    }

    /** The session's counters once {@link #close()} has drained it (null before, or when it never ended cleanly). */
    public pooltag.linux.kmem.SessionStats stats() {
        return run.stats();
    }

    /** Stops the session (draining the kernel's buffers), joins the follower and removes the tracefs instance. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        run.requestStop();
        try {
            thread.join(STOP_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            run.close();
        }
    }
}
