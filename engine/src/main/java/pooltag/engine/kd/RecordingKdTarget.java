package pooltag.engine.kd;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import pooltag.engine.hit.Break;
import pooltag.engine.hit.BreakDetector;
import pooltag.engine.hit.HitTarget;
import pooltag.engine.run.PublishingLedger;
import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagPattern;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.symbols.KernelSymbols;

/**
 * A recording ({@code pooltag record -o FILE}), debugged as a kernel that stops at each hit: {@code g} replays the
 * recording through a {@link Ledger} up to the next hit of the armed tag and stops there, so {@code !poolfind} and
 * {@code !pool} answer what was outstanding at that point. A hit is an event of the tag followed by a stack on its
 * CPU (a recording made with {@code --hit TAG}), or, for a tag recorded without stacks, an event of the tag by its
 * cache name, size class or call-site function ({@link BreakDetector}); frees of blocks held under the tag are hits
 * either way. {@code .reload} reads the recording's kallsyms snapshot; {@code !poolused} its {@code /proc/slabinfo}
 * at the start. Pools as every replay of a recording decides them ({@link RecordingReader#slabSysfs()}).
 *
 * <p>Opening decodes the whole file once ({@link Scan}), before the first {@code g}: a tag resolves against the caches
 * the events name as {@code find --from} resolves it (a recording need not hold a {@code /proc/slabinfo}, and a
 * cache created after it was read is named only by events), and the file's health is known for the banner.
 *
 * <p>Threads: the replay runs on its own thread ({@link RecordingReader#replay} pushes events), which is paused
 * between commands: it runs only inside {@code g}, and hands each hit (or the end, or its acknowledgement of Ctrl-C)
 * to the console thread through a queue, then waits for the next {@code g}. While it waits nothing writes the
 * ledger, and the queue's hand-off orders its writes before the console thread's reads, so {@code !poolfind} reads
 * the ledger directly. The time is the recording's clock (CLOCK_MONOTONIC of the recorded machine).
 */
final class RecordingKdTarget implements KdTarget {
    /** Reorder window of the replay, as {@code pooltag report} uses. */
    private static final long WINDOW_NANOS = 1_000_000_000L;
    private static final int GO = 1;
    private static final int CLOSE = 2;
    private static final Object END = new Object();
    private static final Object CANCELLED = new Object();

    /** Unwinds the replay thread out of {@link RecordingReader#replay} when the target closes. */
    private static final class Closing extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Closing() {
            super("closing", null, false, false);
        }
    }

    /**
     * What one decode of the whole file, ahead of the replay {@code g} drives, found: the caches its events name, and
     * the file's health (cut short or not, skipped pages, lost events).
     *
     * @param health the whole file's health, or null when the read stopped at {@code error} (the file could not
     *               be read on, e.g. an I/O error; a damaged block, whether its CRC fails or its content does not
     *               decode, is skipped and counted in the health instead): the caches named before it are kept,
     *               and {@code g} replays up to it, rather than the file not opening at all
     */
    private record Scan(Set<String> caches, RecordingReader.Replay health, String error) {
        static Scan of(Path file) {
            try (RecordingReader r = RecordingReader.open(file)) {
                RecordingReader.Replay health = null;
                String error = null;
                try {
                    health = replayAll(r);
                } catch (RuntimeException e) {
                    error = e.getMessage();
                }
                Set<String> caches = new java.util.HashSet<>();
                for (int id = 0; id < r.names().size(); id++) {
                    caches.add(r.names().name(id));
                }
                return new Scan(Set.copyOf(caches), health, error);
            }
        }

        private static RecordingReader.Replay replayAll(RecordingReader r) {
            return r.replay(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent event) {
                    // The decoder reads a cache's name only when asked (a free is paired by its address
                    // alone), and interns it into r.names() then: asked here for every event.
                    event.cacheId();
                }

                @Override
                public void onLoss(int cpu, long count) {
                    // counted in the Replay
                }
            }, WINDOW_NANOS);
        }
    }

    private final RecordingReader reader;
    private final Scan scan;
    private final KernelSymbols symbols;
    private final PublishingLedger published;
    private final Ledger ledger;
    private final BreakDetector detector;
    /** Breaks found by the detector and not yet handed over; replay thread only. */
    private final ArrayDeque<Break> found = new ArrayDeque<>();
    private final BlockingQueue<Integer> commands = new LinkedBlockingQueue<>();
    private final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    /** Set by the console thread on Ctrl-C: the replay pauses at the next event and acknowledges. */
    private volatile boolean stopScan;
    private volatile int armedGeneration;
    private volatile boolean closed;

    private volatile Thread replayThread;
    // Console thread only.
    private boolean ended;
    private RuntimeException failure;
    private HitTarget hit;
    private int generation;

    private RecordingKdTarget(RecordingReader reader, Scan scan, LedgerOptions options) {
        this.reader = reader;
        this.scan = scan;
        this.symbols = reader.symbols();
        this.published = PublishingLedger.over(reader, options); // the pools every replay of the file uses
        this.ledger = published.ledger();
        // The replay pauses at each break, so at most a few wait at once: the sink always accepts.
        this.detector = new BreakDetector(ledger, () -> symbols, reader.names()::name, pid -> "",
                new BreakDetector.Sink() {
                    @Override
                    public void onBreak(int gen, Break b) {
                        if (gen == armedGeneration) {
                            found.addLast(b);
                        }
                    }
                });
    }

    /** @throws PooltagException one line, when the file is not a readable recording */
    static RecordingKdTarget open(Path file, LedgerOptions options) {
        RecordingReader r = RecordingReader.open(file);
        try {
            return new RecordingKdTarget(r, Scan.of(file), options);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        var m = reader.meta();
        String hitTag = m.getOrDefault("hit", "");
        return "recording " + reader.path() + ": Linux " + m.getOrDefault("kernel", "?") + ", " + reader.cpus()
                + " CPUs, started " + m.getOrDefault("started", "?")
                + (hitTag.isEmpty() ? ", no hit tag (hits carry no stacks)" : ", stacks for hit tag " + hitTag)
                + "; g replays to the next hit"
                + (scan.error() == null ? "" : "; the file reads only up to an error (" + scan.error()
                        + "): tags and hits from before it");
    }

    @Override
    public Optional<RecordingReader.Replay> recordingHealth() {
        return Optional.ofNullable(scan.health());
    }

    @Override
    public Symbols reload() {
        String modules = reader.modulesText();
        int mods = (int) modules.lines().filter(l -> !l.isBlank()).count();
        return new Symbols(symbols.linesRead(), mods, symbols.linesRead() > 0 && symbols.size() == 0);
    }

    /**
     * The recording's {@code /proc/slabinfo} at its start, one row per cache, in the pool the replay charges it to
     * (Paged when the file's SLAB_SYSFS block says reclaimable).
     */
    @Override
    public UsageSnapshot usage() {
        String text = reader.slabinfoStart();
        if (text == null || text.isBlank()) {
            throw new PooltagException(reader.path() + " holds no /proc/slabinfo snapshot: !poolused has nothing to show");
        }
        UsageSnapshot s = ProcfsSource.snapshot(0, text, reader.path() + " slabinfo at start", reader.slabSysfs(),
                reader.cpus(), null, null);
        return new UsageSnapshot(0, reader.path() + " /proc/slabinfo at the start of the recording", s.rows(), Loss.NONE);
    }

    @Override
    public String armHit(String linuxTag) {
        requireOpen();
        String slabinfo = reader.slabinfoStart() == null ? "" : reader.slabinfoStart();
        HitTarget next = KdTargets.resolveHit(linuxTag, slabinfo, reader.slabSysfs(), scan.caches(), symbols);
        hit = next;
        generation++;
        armedGeneration = generation;
        // The replay is paused: it sees this before its next event (the GO hand-off orders it).
        detector.arm(next, Long.MIN_VALUE, generation);
        return next.mergeNote();
    }

    @Override
    public void disarmHit() {
        hit = null;
        generation++;
        armedGeneration = generation;
        detector.disarm();
    }

    @Override
    public Optional<Break> go(BooleanSupplier cancelled) {
        requireOpen();
        if (hit == null) {
            throw new PooltagException("no hit tag is armed: ed nt!poolhittag 'tag' first");
        }
        if (failure != null) {
            throw failure;
        }
        if (ended) {
            return Optional.empty();
        }
        if (replayThread == null) {
            replayThread = new Thread(this::replayLoop, "pooltag-kd-replay");
            replayThread.setDaemon(true);
            replayThread.start();
        }
        stopScan = false;
        commands.add(GO);
        boolean cancelSent = false;
        try {
            while (true) {
                Object r = replies.poll(20, TimeUnit.MILLISECONDS);
                if (r == null) {
                    if (closed) {
                        return Optional.empty();
                    }
                    if (!cancelSent && cancelled.getAsBoolean()) {
                        stopScan = true; // acknowledged at the next event, which is microseconds away
                        cancelSent = true;
                    }
                    continue;
                }
                if (r instanceof Break b) {
                    return Optional.of(b); // a hit that came before the cancel was seen is still a hit
                }
                if (r == CANCELLED) {
                    return Optional.empty();
                }
                if (r == END) {
                    ended = true;
                    return Optional.empty();
                }
                failure = r instanceof PooltagException pe ? pe
                        : new PooltagException("replaying " + reader.path() + ": " + r, (Throwable) r);
                throw failure;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public Found poolfind(TagPattern tag, Pool pool) {
        requireOpen();
        LedgerAnswers.Rows rows = LedgerAnswers.find(ledger, tag, pool); // the replay is paused (see the class)
        List<Allocation> out = new ArrayList<>(rows.rows().size());
        for (LedgerAnswers.Row r : rows.rows()) {
            out.add(LedgerAnswers.allocation(r, r.allocation().ageNanos(), ""));
        }
        return new Found(out, rows.loss());
    }

    @Override
    public Optional<Allocation> pool(long address) {
        requireOpen();
        LedgerAnswers.Row r = LedgerAnswers.containing(ledger, address);
        return r == null ? Optional.empty()
                : Optional.of(LedgerAnswers.allocation(r, r.allocation().ageNanos(), ""));
    }

    // ------------------------------------------------------------------------------------------ replay thread

    private void replayLoop() {
        try {
            awaitGo();
            PublishingLedger inner = published.tap(detector);
            reader.replay(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent event) {
                    inner.onEvent(event);
                    afterEvent();
                }

                @Override
                public void onLoss(int cpu, long count) {
                    inner.onLoss(cpu, count);
                    afterEvent();
                }

                @Override
                public void onSkipped(int cpu, long count) {
                    inner.onSkipped(cpu, count);
                    afterEvent();
                }

                @Override
                public void onEnd(boolean truncated) {
                    inner.onEnd(truncated);
                    afterEvent();
                }
            }, WINDOW_NANOS);
            replies.add(END);
        } catch (Closing e) {
            // close() asked; nothing waits for a reply
        } catch (RuntimeException e) {
            replies.add(e);
        }
    }

    /** Hands over each break found, and Ctrl-C's acknowledgement, pausing until the next {@code g} each time. */
    private void afterEvent() {
        while (!found.isEmpty()) {
            replies.add(found.pollFirst());
            awaitGo();
        }
        if (stopScan) {
            stopScan = false;
            replies.add(CANCELLED);
            awaitGo();
        }
    }

    private void awaitGo() {
        try {
            if (commands.take().intValue() == CLOSE) {
                throw new Closing();
            }
        } catch (InterruptedException e) {
            throw new Closing();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new PooltagException("the recording " + reader.path() + " is closed");
        }
    }

    /** Stops the replay thread and closes the file. Idempotent; any thread. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stopScan = true;
        commands.add(CLOSE);
        Thread t = replayThread;
        if (t != null) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        reader.close();
    }
}
