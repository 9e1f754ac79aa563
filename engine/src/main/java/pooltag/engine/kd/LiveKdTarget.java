package pooltag.engine.kd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import pooltag.engine.hit.Break;
import pooltag.engine.hit.BreakDetector;
import pooltag.engine.hit.HitTarget;
import pooltag.engine.run.TracingRun;
import pooltag.core.error.PooltagException;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagPattern;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.ProcessNames;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.KernelFiles;
import pooltag.linux.tracefs.TracefsInstance;

/**
 * The running kernel, traced: one kmem session in a private tracefs instance ({@code instances/pooltag-<pid>}) runs
 * from the moment the console opens this target until {@link #close()}, feeding a {@link Ledger}, so
 * {@code !poolfind} and {@code !pool} know every allocation made since the console started. Tracing starts eagerly,
 * not at the first {@code ed}: a leak's allocations usually happen before the user knows which tag to arm.
 * {@code .reload} and {@code !poolused} read procfs (the kernel's totals, as {@code pooltag poolused} prints them;
 * the ledger only knows what was allocated since the start).
 *
 * <p>{@code ed nt!poolhittag} adds the tag's filtered {@code stacktrace} triggers to the running instance (the filters
 * of {@code pooltag hit}) and {@code ed nt!poolhittag 0} removes exactly those; {@link #close()} tears the instance
 * down with every trigger, also from the shutdown hook.
 *
 * <p>Threads. The ledger has one writer, the session's merge thread; the console thread never reads it. The merge
 * thread runs the {@link BreakDetector} as the ledger's tap; its breaks go to a bounded queue that {@code g} polls
 * every 50 ms (checking the Ctrl-C flag in between). Ledger queries ({@code !poolfind}, {@code !pool}) are
 * functions queued for the merge thread, which runs them in its tick between merge rounds (at most 20 ms apart even
 * when no event arrives), once the ledger has caught up with the moment the command was typed (an event at or after
 * it was delivered, or one reorder window passed); the console thread waits for the answer. Arming, disarming and
 * closing are serialized on this object; the armed tag reaches the merge thread as one volatile value.
 *
 * <p>While the console sits at the prompt the kernel runs on (Linux is not stopped at a break): hits are queued, at
 * most {@value #MAX_QUEUED_BREAKS}, and {@code g} returns the oldest; later ones are dropped (counted) until
 * {@code g} takes some. Re-arming or disarming clears the queue.
 */
final class LiveKdTarget implements KdTarget {
    /** Breaks kept while nobody runs {@code g}: enough for a burst, bounded for a hot tag (each holds its frames). */
    static final int MAX_QUEUED_BREAKS = 256;
    /** How often {@code g} and queries look at the Ctrl-C flag and the session's health (the contract asks 100). */
    private static final long POLL_MILLIS = 50;
    /** How long a query may wait for the merge thread beyond the reorder window before it is reported stalled. */
    private static final long QUERY_TIMEOUT_NANOS = 15_000_000_000L;

    private record Queued(int generation, Break hit) {
    }

    /** A ledger question for the merge thread, asked at {@code askedNanos} (CLOCK_MONOTONIC, the event clock). */
    private static final class Query<T> {
        final Function<Ledger, T> question;
        final long askedNanos;
        final CompletableFuture<T> answer = new CompletableFuture<>();

        Query(Function<Ledger, T> question, long askedNanos) {
            this.question = question;
            this.askedNanos = askedNanos;
        }
    }

    private final ProcfsKdTarget procfs;
    private final TracingRun run;
    private final Ledger ledger;
    private final BreakDetector detector;
    private final long reorderNanos;
    private volatile KernelSymbols symbols;
    private final ArrayBlockingQueue<Queued> breaks = new ArrayBlockingQueue<>(MAX_QUEUED_BREAKS);
    private final ConcurrentLinkedQueue<Query<?>> queries = new ConcurrentLinkedQueue<>();
    /** Console thread: names of allocating tasks for !poolfind rows. */
    private final ProcessNames consoleComms = new ProcessNames();
    /** Merge thread: names of breaking tasks (read at the break, while the task most likely still runs). */
    private final ProcessNames mergeComms = new ProcessNames();

    // Guarded by this.
    private HitTarget hit;
    private int generation;
    private volatile boolean closed;

    private LiveKdTarget(ProcfsKdTarget procfs, KernelSymbols symbols, TracingRun run) {
        this.procfs = procfs;
        this.symbols = symbols;
        this.run = run;
        this.reorderNanos = run.session().config().reorderWindow().toNanos();
        this.ledger = run.ledger();
        this.detector = new BreakDetector(ledger, () -> this.symbols, run.session()::cacheName, mergeComms::of,
                new BreakDetector.Sink() {
                    @Override
                    public boolean accepts() {
                        return breaks.remainingCapacity() > 0;
                    }

                    @Override
                    public void onBreak(int gen, Break b) {
                        breaks.offer(new Queued(gen, b));
                    }
                });
    }

    /**
     * Loads the symbols, opens the session (removing instances left by killed pooltag processes, and saying so on
     * standard error) and starts tracing.
     *
     * @throws PooltagException one line, when tracing cannot start (not root, no tracefs, instance busy)
     */
    static LiveKdTarget open(boolean withVmalloc, LedgerOptions options, TraceConfig config) {
        KernelSymbols symbols = KernelSymbols.load();
        TracingRun run = TracingRun.open(symbols, config, options);
        try {
            LiveKdTarget t = new LiveKdTarget(new ProcfsKdTarget(Path.of("/"), withVmalloc), symbols, run);
            run.start(t.detector, t::tick);
            return t;
        } catch (RuntimeException e) {
            try {
                run.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The instance this target traces in (tests look at its trigger files). */
    TracefsInstance instance() {
        return run.session().instance();
    }

    @Override
    public String describe() {
        String release;
        try {
            release = KernelFiles.read(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            release = "(release unknown)";
        }
        return "live Linux kernel " + release + ", kmem events traced since the console started (tracefs instance "
                + run.session().instance().name() + ", " + run.session().cpus() + " CPUs; "
                + run.session().config().describeBuffer() + ")";
    }

    /** Counts symbols and modules from procfs, and symbolizes later stacks with the symbols read now. */
    @Override
    public Symbols reload() {
        Symbols s = procfs.reload();
        symbols = KernelSymbols.load();
        return s;
    }

    @Override
    public UsageSnapshot usage() {
        return procfs.usage();
    }

    @Override
    public synchronized String armHit(String linuxTag) {
        requireOpen();
        HitTarget next = KdTargets.resolveHit(linuxTag, HitTarget.liveSlabinfo(linuxTag),
                pooltag.linux.procfs.SlabSysfs.live(), symbols, HitTarget.CacheNameFields.live());
        HitTarget previous = hit;
        TracefsInstance in = run.session().instance();
        // The kernel keeps one stacktrace trigger per event: the previous hit's go first.
        removeTriggers(in, previous);
        List<Map.Entry<String, String>> added = new ArrayList<>();
        try {
            for (Map.Entry<String, String> t : next.triggers().entrySet()) {
                in.addStackTrigger(t.getKey(), t.getValue());
                added.add(t);
            }
        } catch (PooltagException e) {
            // Nothing of the new hit stays; the previous one is put back as it was.
            for (Map.Entry<String, String> t : added) {
                in.removeStackTrigger(t.getKey(), t.getValue());
            }
            if (previous != null) {
                for (Map.Entry<String, String> t : previous.triggers().entrySet()) {
                    in.addStackTrigger(t.getKey(), t.getValue());
                }
            }
            throw e;
        }
        hit = next;
        generation++;
        breaks.clear();
        // Armed from now: earlier events (still in the reorder window) had no stack trigger.
        detector.arm(next, System.nanoTime(), generation);
        return next.mergeNote();
    }

    @Override
    public synchronized void disarmHit() {
        detector.disarm();
        if (hit != null && !closed) {
            HitTarget h = hit;
            hit = null;
            generation++;
            breaks.clear();
            removeTriggers(run.session().instance(), h);
        }
    }

    private static void removeTriggers(TracefsInstance in, HitTarget h) {
        if (h == null) {
            return;
        }
        for (Map.Entry<String, String> t : h.triggers().entrySet()) {
            in.removeStackTrigger(t.getKey(), t.getValue());
        }
    }

    @Override
    public long hitsNotKept() {
        return detector.dropped();
    }

    @Override
    public Optional<Break> go(BooleanSupplier cancelled) {
        int gen;
        synchronized (this) {
            requireOpen();
            if (hit == null) {
                throw new PooltagException("no hit tag is armed: ed nt!poolhittag 'tag' first");
            }
            gen = generation;
        }
        try {
            while (!cancelled.getAsBoolean() && !closed) {
                checkSession();
                Queued q = breaks.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (q != null && q.generation() == gen) {
                    return Optional.of(q.hit());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    @Override
    public Found poolfind(TagPattern tag, Pool pool) {
        LedgerAnswers.Rows rows = ask(l -> LedgerAnswers.find(l, tag, pool));
        long now = System.nanoTime();
        List<Allocation> out = new ArrayList<>(rows.rows().size());
        for (LedgerAnswers.Row r : rows.rows()) {
            out.add(LedgerAnswers.allocation(r, now - r.allocation().allocNanos(),
                    consoleComms.of(r.allocation().pid())));
        }
        // The ledger's loss only: hits the queue could not keep were counted by the ledger all the same.
        return new Found(out, rows.loss());
    }

    @Override
    public Optional<Allocation> pool(long address) {
        Optional<LedgerAnswers.Row> r = ask(l -> Optional.ofNullable(LedgerAnswers.containing(l, address)));
        long now = System.nanoTime();
        return r.map(row -> LedgerAnswers.allocation(row, now - row.allocation().allocNanos(),
                consoleComms.of(row.allocation().pid())));
    }

    /** Asks the merge thread and waits for its answer (see the class comment). Console thread. */
    private <T> T ask(Function<Ledger, T> question) {
        requireOpen();
        Query<T> q = new Query<>(question, System.nanoTime());
        queries.add(q);
        long deadline = q.askedNanos + reorderNanos + QUERY_TIMEOUT_NANOS;
        try {
            while (true) {
                try {
                    return q.answer.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    checkSession();
                    requireOpen();
                    if (System.nanoTime() > deadline) {
                        queries.remove(q);
                        throw new PooltagException("the trace session did not answer within "
                                + (QUERY_TIMEOUT_NANOS + reorderNanos) / 1_000_000_000L + " s (merge thread stalled?)");
                    }
                }
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new PooltagException("ledger query failed: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            queries.remove(q);
            throw new PooltagException("interrupted while waiting for the trace session", e);
        }
    }

    /** Merge thread, between merge rounds: answers the queries the ledger has caught up with. */
    private void tick() {
        if (queries.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        long seen = detector.lastEventNanos();
        for (Iterator<Query<?>> it = queries.iterator(); it.hasNext(); ) {
            Query<?> q = it.next();
            if (seen >= q.askedNanos || now - q.askedNanos >= reorderNanos || closed) {
                it.remove();
                answer(q);
            }
        }
    }

    private <T> void answer(Query<T> q) {
        try {
            q.answer.complete(q.question.apply(ledger));
        } catch (RuntimeException e) {
            q.answer.completeExceptionally(e);
        }
    }

    private void checkSession() {
        Throwable f = run.session().failure();
        if (f != null) {
            throw new PooltagException("the kmem trace session failed: " + f.getMessage()
                    + "; quit and start pooltag kd again", f);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new PooltagException("the console's trace session is closed");
        }
    }

    /** Stops tracing and removes the instance with every trigger and filter. Idempotent; any thread. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            detector.disarm();
            hit = null;
        }
        try {
            run.close();
        } finally {
            for (Query<?> q; (q = queries.poll()) != null; ) {
                q.answer.completeExceptionally(new PooltagException("the console's trace session is closed"));
            }
        }
    }
}
