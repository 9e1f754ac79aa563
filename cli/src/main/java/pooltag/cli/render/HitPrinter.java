package pooltag.cli.render;

import java.io.PrintWriter;
import java.util.function.IntFunction;

import pooltag.engine.publish.Addresses;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.tag.TagKind;
import pooltag.linux.procfs.ProcessNames;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.engine.hit.HitBreaks;

/**
 * PoolHitTag's breaks, printed as they happen ({@link HitBreaks} decides what a break is). Each break prints a line,
 * then {@code kb}-style frames.
 *
 * <p>Runs on the merge thread as the ledger's tap, before the ledger applies the event. Strings are built only for
 * breaks.
 */
public final class HitPrinter implements AllocEventConsumer, HitBreaks.Sink {
    private final PrintWriter out;
    private final KernelSymbols symbols;
    private final IntFunction<String> cacheNames;
    private final String hitName;
    private final Addresses addresses;
    private final long maxBreaks;
    private final Runnable onEnough;
    private final ProcessNames comms = new ProcessNames();
    private final HitBreaks rule;

    public HitPrinter(PrintWriter out, Ledger ledger, KernelSymbols symbols, IntFunction<String> cacheNames,
                      TagKind hitKind, String hitName, Addresses addresses, long maxBreaks, Runnable onEnough) {
        this.out = out;
        this.symbols = symbols;
        this.cacheNames = cacheNames;
        this.hitName = hitName;
        this.addresses = addresses;
        this.maxBreaks = maxBreaks;
        this.onEnough = onEnough;
        this.rule = new HitBreaks(ledger, symbols, hitKind, hitName, this);
    }

    /** Breaks printed: at most --count, though more may have been seen while the session was stopping. */
    public long breaks() {
        return maxBreaks > 0 ? Math.min(maxBreaks, rule.breaks()) : rule.breaks();
    }

    @Override
    public void onEvent(AllocEvent e) {
        rule.onEvent(e);
    }

    @Override
    public void onBreak(HitBreaks.Break b) {
        if (maxBreaks > 0 && b.seq() > maxBreaks) {
            return; // enough: the session is stopping; events still in flight are not breaks the user asked for
        }
        String site = symbols.functionName(b.callSite());
        String cache = b.cacheId() >= 0 ? cacheNames.apply(b.cacheId()) : null;
        StringBuilder line = new StringBuilder(160);
        line.append("Break ").append(b.seq()).append(": ").append(b.alloc() ? "alloc" : "free ").append(' ').append(hitName);
        if (cache != null && !cache.equals(hitName)) {
            line.append(" cache ").append(cache);
        }
        if (site != null && !site.equals(hitName)) {
            line.append(" site ").append(site);
        }
        if (b.alloc()) {
            line.append(" size ").append(b.bytes());
        }
        line.append(" pid ").append(b.pid()).append('/').append(comms.of(b.pid()));
        line.append(" cpu ").append(b.cpu());
        line.append(String.format(" t=+%.6fs", b.sinceFirstNanos() / 1e9));
        line.append(" block ").append(addresses.of(b.address()));
        out.println(line);
        if (b.frames() == null) {
            out.println("  (no stack: the kernel cannot filter kfree by the freed block's tag)");
        } else {
            out.println(" # Call Site");
            for (int i = 0; i < b.frames().length; i++) {
                out.printf("%02x %s%n", i, symbols.format(b.frames()[i]));
            }
        }
        out.flush();
        if (maxBreaks > 0 && b.seq() >= maxBreaks && onEnough != null) {
            onEnough.run();
        }
    }

    @Override
    public void onLoss(int cpu, long count) {
        out.printf("*** %s events lost on cpu %d: breaks may be missing%n", count < 0 ? "some" : Long.toString(count), cpu);
        out.flush();
    }

    @Override
    public void onEnd(boolean truncated) {
        rule.onEnd(truncated);
    }
}
