package pooltag.cli.live;

import java.io.PrintWriter;
import java.util.function.IntFunction;

import pooltag.cli.render.Addresses;
import pooltag.cli.render.Frames;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.tag.TagKind;
import pooltag.linux.procfs.ProcessNames;
import pooltag.linux.symbols.KernelSymbols;

/**
 * PoolHitTag's breaks, printed as they happen: the kernel writes a stack only after the hit tag's events (a filtered
 * {@code stacktrace} trigger), so an allocation or free followed on its CPU by a stack of the same pid is a hit; a
 * free of a block the ledger holds under the hit tag is a hit too (kfree cannot be filtered by the freed block's tag,
 * so such a break may come without a stack). Each break prints a line, then {@code kb}-style frames.
 *
 * <p>Runs on the merge thread as the ledger's tap, before the ledger applies the event. Per event it copies a few
 * primitives into per-CPU slots; strings are built only for breaks.
 */
public final class HitPrinter implements AllocEventConsumer {
    private final PrintWriter out;
    private final Ledger ledger;
    private final KernelSymbols symbols;
    private final IntFunction<String> cacheNames;
    private final TagKind hitKind;
    private final String hitName;
    private final Addresses addresses;
    private final long maxBreaks;
    private final Runnable onEnough;
    private final ProcessNames comms = new ProcessNames();
    private int hitTagId = -1;
    private long breaks;
    private long firstNanos = -1;

    // The last allocation or free seen on each CPU, waiting for a stack that may follow it.
    private final int[] pType;
    private final int[] pSource;
    private final long[] pTime;
    private final int[] pPid;
    private final long[] pAddr;
    private final long[] pSite;
    private final long[] pBytes;
    private final int[] pCache;
    /** The pending free releases a block held under the hit tag: print it even if no stack follows. */
    private final boolean[] pHitByAddress;

    public HitPrinter(PrintWriter out, Ledger ledger, KernelSymbols symbols, IntFunction<String> cacheNames,
                      TagKind hitKind, String hitName, Addresses addresses, long maxBreaks, Runnable onEnough) {
        this.out = out;
        this.ledger = ledger;
        this.symbols = symbols;
        this.cacheNames = cacheNames;
        this.hitKind = hitKind;
        this.hitName = hitName;
        this.addresses = addresses;
        this.maxBreaks = maxBreaks;
        this.onEnough = onEnough;
        int cpus = Runtime.getRuntime().availableProcessors() * 2 + 64;
        pType = new int[cpus];
        pSource = new int[cpus];
        pTime = new long[cpus];
        pPid = new int[cpus];
        pAddr = new long[cpus];
        pSite = new long[cpus];
        pBytes = new long[cpus];
        pCache = new int[cpus];
        pHitByAddress = new boolean[cpus];
    }

    public long breaks() {
        return breaks;
    }

    @Override
    public void onEvent(AllocEvent e) {
        int cpu = e.cpu();
        if (firstNanos < 0) {
            firstNanos = e.timestampNanos();
        }
        if (cpu < 0 || cpu >= pType.length) {
            return;
        }
        if (e.type() == AllocEvent.STACK) {
            if (pType[cpu] != 0 && pPid[cpu] == e.pid()) {
                printBreak(cpu, e);
                pType[cpu] = 0;
            }
            return;
        }
        if (pType[cpu] != 0 && pHitByAddress[cpu]) {
            printBreak(cpu, null); // a hit free that no stack followed
        }
        pType[cpu] = e.type();
        pSource[cpu] = e.source();
        pTime[cpu] = e.timestampNanos();
        pPid[cpu] = e.pid();
        pAddr[cpu] = e.address();
        pSite[cpu] = e.callSite();
        pBytes[cpu] = e.bytesAllocated();
        pCache[cpu] = e.cacheId();
        pHitByAddress[cpu] = e.type() == AllocEvent.FREE && hitTagId >= 0
                && ledger.outstandingTagAt(hitKind, e.address()) == hitTagId;
    }

    private void printBreak(int cpu, AllocEvent stack) {
        if (maxBreaks > 0 && breaks >= maxBreaks) {
            return; // enough: the session is stopping; events still in flight are not breaks the user asked for
        }
        if (hitTagId < 0) {
            hitTagId = ledger.tagId(hitKind, hitName); // known once the ledger has seen the tag
        }
        breaks++;
        boolean alloc = pType[cpu] == AllocEvent.ALLOC;
        String site = symbols.functionName(pSite[cpu]);
        String cache = pCache[cpu] >= 0 ? cacheNames.apply(pCache[cpu]) : null;
        StringBuilder line = new StringBuilder(160);
        line.append("Break ").append(breaks).append(": ").append(alloc ? "alloc" : "free ").append(' ').append(hitName);
        if (cache != null && !cache.equals(hitName)) {
            line.append(" cache ").append(cache);
        }
        if (site != null && !site.equals(hitName)) {
            line.append(" site ").append(site);
        }
        if (alloc) {
            line.append(" size ").append(pBytes[cpu]);
        }
        line.append(" pid ").append(pPid[cpu]).append('/').append(comms.of(pPid[cpu]));
        line.append(" cpu ").append(cpu);
        line.append(String.format(" t=+%.6fs", (pTime[cpu] - firstNanos) / 1e9));
        line.append(" block ").append(addresses.of(pAddr[cpu]));
        out.println(line);
        if (stack == null) {
            out.println("  (no stack: the kernel cannot filter kfree by the freed block's tag)");
        } else {
            out.println(" # Call Site");
            int n = 0;
            for (int i = Frames.firstAllocatorFrame(symbols, stack.stackDepth(), stack::stackFrame);
                    i < stack.stackDepth(); i++) {
                out.printf("%02x %s%n", n++, symbols.format(stack.stackFrame(i)));
            }
        }
        out.flush();
        if (maxBreaks > 0 && breaks >= maxBreaks && onEnough != null) {
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
        for (int cpu = 0; cpu < pType.length; cpu++) {
            if (pType[cpu] != 0 && pHitByAddress[cpu]) {
                printBreak(cpu, null);
            }
        }
    }
}
