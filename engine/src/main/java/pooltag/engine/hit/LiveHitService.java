package pooltag.engine.hit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import pooltag.engine.run.LiveFeed;
import pooltag.engine.run.TracingRun;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.ProcessNames;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.engine.run.TraceSlot;

/**
 * The web page's Hit view on the live kernel: arming opens a private tracing session ({@link LiveFeed}) configured
 * by {@link HitTarget} (only the tag's events carry stacks) and applies the {@link BreakDetector}, as
 * {@code pooltag hit} and kd do; clearing or re-arming tears it down. Breaks are kept in memory for the page to
 * poll, the newest {@link #KEEP} only. The HTTP layer never serves a break's block address.
 *
 * <p>Threads: {@link #arm}, {@link #clear} and {@link #close} are serialized on this object; breaks arrive on the
 * session's merge thread and are appended under the armed session's own lock, which the HTTP threads take to read.
 */
public final class LiveHitService implements HitService, AutoCloseable {
    /** Breaks kept per armed tag for the page (at most ~1.5 KiB each with a 20-frame stack): about 15 MiB. */
    static final int KEEP = 10_000;

    /** What the slot says holds the session while a tag is armed. */
    static final String HOLDER = "a hit tag is armed (clear it first)";

    private final TraceSlot slot;
    /** The trace settings every arming starts from (the serving command's buffer options). */
    private final TraceConfig base;
    private KernelSymbols symbols;
    private volatile Armed armed;

    /**
     * @param slot shared with the hunt view: arming is refused while a hunt traces
     * @param base the trace settings every arming starts from (buffer size); the armed tag adds its stack triggers
     */
    public LiveHitService(TraceSlot slot, TraceConfig base) {
        this.slot = slot;
        this.base = base;
    }

    /** A hit service alone (no hunt view shares the process's tracing session). */
    public LiveHitService() {
        this(new TraceSlot(), TraceConfig.kmem());
    }

    @Override
    public synchronized Status arm(String tag) {
        // The new tag is resolved before the armed one is touched: a tag that does not resolve (a typo, a stack tag)
        // is refused and leaves the armed session tracing.
        if (symbols == null) {
            symbols = KernelSymbols.load();
        }
        KernelSymbols syms = symbols;
        HitTarget target = HitTarget.resolveLive(tag, syms);
        closeArmed();
        slot.take(HOLDER);
        try {
            Armed a = new Armed(target);
            TracingRun run = TracingRun.open(syms, target.config(base));
            BreakDetector detector = new BreakDetector(run.ledger(), () -> syms, run.session()::cacheName,
                    a.comms::of, a);
            detector.arm(target, Long.MIN_VALUE, 1);
            a.feed = LiveFeed.start(run, detector, "pooltag-web-hit");
            armed = a;
        } catch (RuntimeException e) {
            slot.release(HOLDER);
            throw e;
        }
        return status();
    }

    @Override
    public synchronized Status clear() {
        closeArmed();
        return status();
    }

    @Override
    public Status status() {
        Armed a = armed;
        if (a == null) {
            return new Status(null, 0, Loss.NONE);
        }
        return new Status(a.target.tag(), a.count(), a.loss(), a.target.mergeNote());
    }

    @Override
    public List<Break> hitsAfter(long after, int max) {
        Armed a = armed;
        return a == null ? List.of() : a.after(after, max);
    }

    /** Tears down the armed session, if any (at server stop). */
    @Override
    public synchronized void close() {
        closeArmed();
    }

    private void closeArmed() {
        Armed a = armed;
        armed = null;
        try {
            if (a != null && a.feed != null) {
                a.feed.close();
            }
        } finally {
            if (a != null) {
                slot.release(HOLDER);
            }
        }
    }

    /** One armed tag: its session and the breaks seen since arming. */
    private static final class Armed implements BreakDetector.Sink {
        final HitTarget target;
        /** Merge thread: names of breaking tasks. */
        final ProcessNames comms = new ProcessNames();
        /** Guarded by itself; seq ascending. */
        final ArrayDeque<Break> hits = new ArrayDeque<>();
        volatile LiveFeed feed;
        private long count;

        Armed(HitTarget target) {
            this.target = target;
        }

        @Override
        public void onBreak(int generation, Break b) {
            synchronized (hits) {
                hits.addLast(b);
                count = b.seq();
                if (hits.size() > KEEP) {
                    hits.removeFirst();
                }
            }
        }

        @Override
        public void onLoss(int cpu, long count) {
            // The ledger counts it (an unknown amount as one) and publishes it with its snapshot: see loss().
        }

        long count() {
            synchronized (hits) {
                return count;
            }
        }

        /** Cumulative since arming, as of the ledger's last publish (at most 250 ms of events old). */
        Loss loss() {
            LiveFeed f = feed;
            UsageSnapshot s = f == null ? null : f.snapshot(TagKind.CACHE);
            return s == null || s.loss() == null ? Loss.NONE : s.loss();
        }

        List<Break> after(long after, int max) {
            List<Break> out = new ArrayList<>();
            synchronized (hits) {
                for (Break h : hits) {
                    if (h.seq() > after) {
                        out.add(h);
                        if (out.size() >= max) {
                            break;
                        }
                    }
                }
            }
            return out;
        }
    }
}
