package pooltag.engine.hunt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import pooltag.engine.hunt.Hunter;
import pooltag.linux.symbols.Frames;
import pooltag.core.error.PooltagException;
import pooltag.core.rank.HuntReport;
import pooltag.core.rank.RankOptions;
import pooltag.core.rank.StackSummary;
import pooltag.core.snapshot.Loss;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.engine.run.TraceSlot;

/**
 * The web page's Hunt view over {@link Hunter} ({@code pooltag hunt}): {@link #start()} (the page's button, a POST
 * with the token) starts a hunt of the configured duration in the background; {@link #report()} (the view's polls,
 * GETs) answers how long it has run, and once it is done its report (the verdict and notes in {@code pooltag hunt}'s
 * words, the suspects, and the flame graph of the leak findings' stacks, or of the top suspects' when nothing leaks,
 * symbolized) until the next start. A poll never starts tracing. The hunt holds the process's one tracing session ({@link TraceSlot}) while it runs: arming a
 * hit meanwhile is refused, and a hunt is refused while a hit is armed.
 */
public final class LiveHuntService implements HuntService, AutoCloseable {
    static final String HOLDER = "a hunt is running (wait for its report)";
    /** When no finding is a leak, the flame graph shows the stacks of this many suspects, first ranked first. */
    static final int FLAME_SUSPECTS = 5;

    private final TraceSlot slot;
    private final Duration duration;
    /** The trace settings of every hunt (the serving command's buffer options). */
    private final TraceConfig config;
    private Thread running;
    private long runningSinceNanos;
    private Report last;
    private String lastError;

    /** @param config the trace settings of every hunt started from the view (buffer size), as {@code hunt}'s */
    public LiveHuntService(TraceSlot slot, Duration duration, TraceConfig config) {
        this.slot = slot;
        this.duration = duration;
        this.config = config;
    }

    @Override
    public synchronized Report start() {
        if (running == null) {
            begin();
        }
        return report();
    }

    @Override
    public synchronized boolean running() {
        return running != null;
    }

    @Override
    public synchronized Report report() {
        if (last != null) {
            return last;
        }
        if (lastError != null) {
            String e = lastError;
            lastError = null;
            throw new PooltagException("hunt failed: " + e);
        }
        // The first hunt is under way (its elapsed time, nothing ranked yet), or none was started (zero).
        return Report.pending(running == null ? 0 : System.nanoTime() - runningSinceNanos);
    }

    private void begin() {
        slot.take(HOLDER);
        // A new hunt's answer replaces the last one: while it runs the view says how long it has run, not the old
        // verdict; if it fails, its error is what the view shows next.
        last = null;
        lastError = null;
        runningSinceNanos = System.nanoTime();
        Thread t = new Thread(this::hunt, "pooltag-web-hunt");
        t.setDaemon(true);
        running = t;
        t.start();
    }

    private void hunt() {
        try {
            Hunter.Result r = Hunter.hunt(duration, RankOptions.defaults(), KmemTagPolicy.ledgerOptions(), null, config,
                    null);
            Report rep = toReport(r.report(), r.symbols(), r.ledger().stats().loss(), r.stackNotes());
            synchronized (this) {
                last = rep;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            synchronized (this) {
                lastError = e.getMessage();
            }
        } finally {
            slot.release(HOLDER);
            synchronized (this) {
                running = null;
            }
        }
    }

    /**
     * @param loss       the ledger's whole loss (lost, unpaired, skipped, evicted), as the text and JSON reports print it
     * @param stackNotes why a top suspect has no stack ({@link Hunter.Result#stackNotes()}), after the report's notes
     */
    static Report toReport(HuntReport h, KernelSymbols symbols, Loss loss, List<String> stackNotes) {
        List<Suspect> suspects = new ArrayList<>(h.suspects().size());
        for (pooltag.core.rank.Suspect s : h.suspects()) {
            String growsWith = null;
            String why = "";
            for (pooltag.core.rank.Finding f : h.findings()) {
                for (pooltag.core.rank.Finding.Member m : f.members()) {
                    boolean mine = s.kind() == pooltag.core.tag.TagKind.SITE ? m.site().equals(s.tag())
                            : m.cache().equals(s.tag());
                    if (mine && why.isEmpty()) {
                        growsWith = m.growsWith();
                        why = f.cause() + ": " + String.join("; ", f.why());
                    }
                }
            }
            suspects.add(new Suspect(s.tag(), s.kind().label(), s.pool().label(), s.outstanding(), s.outstandingBytes(),
                    s.growthBytesPerS(), s.confidence(), growsWith, why));
        }
        // The flame graph follows the verdict, as the command's findings view does: the leak findings' own stacks when
        // the verdict is a leak, else the top few suspects' (so "No leak found" is never drawn from a tag at the
        // threshold that no finding reached, nor "1 leak found" from suspects all below it).
        List<StackBytes> stacks = new ArrayList<>();
        List<pooltag.core.rank.Finding> leaks = h.leakFindings();
        if (!leaks.isEmpty()) {
            for (pooltag.core.rank.Finding f : leaks) {
                addStacks(stacks, f.causeTag(), f.stacks(), symbols);
            }
        } else {
            for (pooltag.core.rank.Suspect s : h.suspects().subList(0, Math.min(FLAME_SUSPECTS, h.suspects().size()))) {
                addStacks(stacks, s.tag(), s.topStacks(), symbols);
            }
        }
        // In the command's words: its "Note:" lines, then its "Stacks:" lines.
        List<String> notes = new ArrayList<>();
        h.notes().forEach(n -> notes.add("Note: " + n));
        stackNotes.forEach(n -> notes.add("Stacks: " + n));
        return new Report((long) (h.durationS() * 1e9), suspects, stacks, loss, h.verdict(), !leaks.isEmpty(),
                List.copyOf(notes));
    }

    /** {@code tag}'s stacks as flame-graph paths, root first, ending at the allocator. */
    private static void addStacks(List<StackBytes> out, String tag, List<StackSummary> summaries, KernelSymbols symbols) {
        for (StackSummary st : summaries) {
            long[] f = st.frames();
            List<String> frames = new ArrayList<>(f.length + 1);
            // The ledger keeps frames innermost first, from inside the tracepoint; a flame graph stacks them root
            // first and ends at the allocator, as a break's kb does.
            int allocator = Frames.firstAllocatorFrame(symbols, f.length, i -> f[i]);
            for (int i = f.length - 1; i >= allocator; i--) {
                frames.add(symbols.format(f[i]));
            }
            if (frames.isEmpty()) {
                frames.add(tag + " " + st.stackTag()); // no stack was armed in time for these
            }
            out.add(new StackBytes(frames, st.outstanding(), st.bytes()));
        }
    }

    /** Waits for a running hunt to end (it cannot be cut short; at most its duration plus the drain). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = running;
        }
        if (t != null) {
            try {
                t.join(duration.toMillis() + 20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
