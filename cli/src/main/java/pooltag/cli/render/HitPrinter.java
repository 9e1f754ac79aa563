package pooltag.cli.render;

import java.io.PrintWriter;
import java.util.function.IntFunction;

import pooltag.engine.hit.Break;
import pooltag.engine.hit.BreakDetector;
import pooltag.engine.publish.AddressPolicy;
import pooltag.linux.symbols.KernelSymbols;

/**
 * {@code pooltag hit}'s breaks, printed as they happen ({@link BreakDetector} decides what a break is): a line, then
 * {@code kb}-style frames. Called on the merge thread; strings are built only for breaks.
 */
public final class HitPrinter implements BreakDetector.Sink {
    private final PrintWriter out;
    private final KernelSymbols symbols;
    private final IntFunction<String> cacheNames;
    private final AddressPolicy addresses;
    private final long maxBreaks;
    private final Runnable onEnough;
    private long printed;
    /** The ledger's cgroup tag id → its path, for --tag-by cgroup (merge thread); null when not asked. */
    private IntFunction<String> cgroupName;

    /**
     * @param maxBreaks stop after this many (0: no limit); {@code onEnough} is then called once
     */
    public HitPrinter(PrintWriter out, KernelSymbols symbols, IntFunction<String> cacheNames, AddressPolicy addresses,
                      long maxBreaks, Runnable onEnough) {
        this.out = out;
        this.symbols = symbols;
        this.cacheNames = cacheNames;
        this.addresses = addresses;
        this.maxBreaks = maxBreaks;
        this.onEnough = onEnough;
    }

    /**
     * With {@code --tag-by cgroup}: each break also names the cgroup the ledger charged the block to (by the
     * ledger's rules: an allocation in an interrupt is [hardirq], not the interrupted task's cgroup), {@code -} when
     * the ledger does not hold the block (a free of one allocated before watching).
     */
    public HitPrinter cgroups(IntFunction<String> ofCgroupTag) {
        this.cgroupName = ofCgroupTag;
        return this;
    }

    /** Breaks printed: at most --count, though more may have been seen while the session was stopping. */
    public long breaks() {
        return printed;
    }

    @Override
    public void onBreak(int generation, Break b) {
        if (maxBreaks > 0 && printed >= maxBreaks) {
            return; // enough: the session is stopping; events still in flight are not breaks the user asked for
        }
        printed++;
        String site = symbols.functionName(b.callSite());
        String cache = b.cacheId() >= 0 ? cacheNames.apply(b.cacheId()) : null;
        boolean alloc = b.kind() == Break.Kind.ALLOC;
        StringBuilder line = new StringBuilder(160);
        line.append("Break ").append(printed).append(": ").append(alloc ? "alloc" : "free ").append(' ')
                .append(addresses.names(b.tag()));
        if (cache != null && !cache.equals(b.tag())) {
            line.append(" cache ").append(cache);
        }
        if (site != null && !site.equals(b.tag())) {
            line.append(" site ").append(site);
        }
        if (alloc) {
            line.append(" size ").append(b.size());
        }
        line.append(" pid ").append(b.pid()).append('/').append(b.comm());
        if (cgroupName != null) {
            line.append(" cgroup ").append(b.cgroupTag() < 0 ? "-" : cgroupName.apply(b.cgroupTag()));
        }
        line.append(" cpu ").append(b.cpu());
        line.append(String.format(" t=+%.6fs", b.sinceFirstNanos() / 1e9));
        line.append(" block ").append(addresses.of(b.address()));
        out.println(line);
        if (!b.stacked()) {
            out.println(alloc ? "  (no stack: it was lost with its trace buffer)"
                    : "  (no stack: the kernel cannot filter kfree by the freed block's tag)");
        } else {
            out.println(" # Call Site");
            for (int i = 0; i < b.frames().size(); i++) {
                out.printf("%02x %s%n", i, b.frames().get(i));
            }
        }
        out.flush();
        if (maxBreaks > 0 && printed >= maxBreaks && onEnough != null) {
            onEnough.run();
        }
    }

    @Override
    public void onLoss(int cpu, long count) {
        out.printf("*** %s events lost on cpu %d: breaks may be missing%n", count < 0 ? "some" : Long.toString(count), cpu);
        out.flush();
    }
}
