package pooltag.engine.hit;

import pooltag.linux.symbols.Frames;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.linux.symbols.KernelSymbols;

/**
 * PoolHitTag's break rule, shared by {@code pooltag hit} ({@code HitPrinter} in cli) and the web page's hit view: the
 * kernel writes a stack only after the hit tag's events (a filtered {@code stacktrace} trigger), so an allocation or
 * free followed on its CPU by a stack of the same pid is a hit; a free of a block the ledger holds under the hit tag
 * is a hit too (kfree cannot be filtered by the freed block's tag, so such a break may come without a stack).
 *
 * <p>Runs on the merge thread as the ledger's tap, before the ledger applies the event. Per event it copies a few
 * primitives into per-CPU slots; a {@link Break} is built only for hits.
 */
public final class HitBreaks implements AllocEventConsumer {
    /** Where breaks go; called on the merge thread, in event order. */
    public interface Sink {
        void onBreak(Break b);

        /** The kernel dropped {@code count} events on {@code cpu} (negative: an unknown number). */
        void onLoss(int cpu, long count);
    }

    /**
     * One hit.
     *
     * @param seq        1, 2, 3... since watching began
     * @param alloc      an allocation (else a free)
     * @param timeNanos  the event's CLOCK_MONOTONIC time
     * @param sinceFirstNanos time since the first event seen (for {@code t=+s} printing)
     * @param address    the block (a kernel address: print only through {@link pooltag.engine.publish.Addresses})
     * @param bytes      bytes allocated (0 for a free)
     * @param cacheId    the session's cache id, or -1 (kmalloc events name no cache)
     * @param pool       the block's pool as the ledger classed its cache, or null when the ledger does not hold the
     *                   block (a free of a block allocated before watching began)
     * @param frames     the stack from the allocator outwards (tracepoint frames dropped), or null when none came
     */
    public record Break(long seq, boolean alloc, long timeNanos, long sinceFirstNanos, int cpu, int pid, long address,
                        long callSite, long bytes, int cacheId, Pool pool, long[] frames) {
    }

    private final Ledger ledger;
    private final KernelSymbols symbols;
    private final TagKind hitKind;
    private final String hitName;
    private final Sink sink;
    private int hitTagId = -1;
    private long breaks;
    private long firstNanos = -1;

    // The last allocation or free seen on each CPU, waiting for a stack that may follow it.
    private final int[] pType;
    private final long[] pTime;
    private final int[] pPid;
    private final long[] pAddr;
    private final long[] pSite;
    private final long[] pBytes;
    private final int[] pCache;
    /** The ledger's cache tag of the block a pending free releases (looked up before the ledger forgets it), or -1. */
    private final int[] pCacheTag;
    /** The pending free releases a block held under the hit tag: report it even if no stack follows. */
    private final boolean[] pHitByAddress;

    public HitBreaks(Ledger ledger, KernelSymbols symbols, TagKind hitKind, String hitName, Sink sink) {
        this.ledger = ledger;
        this.symbols = symbols;
        this.hitKind = hitKind;
        this.hitName = hitName;
        this.sink = sink;
        int cpus = Runtime.getRuntime().availableProcessors() * 2 + 64;
        pType = new int[cpus];
        pTime = new long[cpus];
        pPid = new int[cpus];
        pAddr = new long[cpus];
        pSite = new long[cpus];
        pBytes = new long[cpus];
        pCache = new int[cpus];
        pCacheTag = new int[cpus];
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
                emit(cpu, e);
                pType[cpu] = 0;
            }
            return;
        }
        if (pType[cpu] != 0 && pHitByAddress[cpu]) {
            emit(cpu, null); // a hit free that no stack followed
        }
        pType[cpu] = e.type();
        pTime[cpu] = e.timestampNanos();
        pPid[cpu] = e.pid();
        pAddr[cpu] = e.address();
        pSite[cpu] = e.callSite();
        pBytes[cpu] = e.bytesAllocated();
        pCache[cpu] = e.cacheId();
        pHitByAddress[cpu] = e.type() == AllocEvent.FREE && hitTagId >= 0
                && ledger.outstandingTagAt(hitKind, e.address()) == hitTagId;
        // A second table probe only for hit frees (a free of a block the ledger does not hold has no pool to find).
        pCacheTag[cpu] = pHitByAddress[cpu] ? ledger.outstandingTagAt(TagKind.CACHE, e.address()) : -1;
    }

    private void emit(int cpu, AllocEvent stack) {
        if (hitTagId < 0) {
            hitTagId = ledger.tagId(hitKind, hitName); // known once the ledger has seen the tag
        }
        breaks++;
        long[] frames = null;
        if (stack != null) {
            // The stack starts inside the tracepoint that recorded it: a break shows the allocator and its callers.
            int first = Frames.firstAllocatorFrame(symbols, stack.stackDepth(), stack::stackFrame);
            frames = new long[stack.stackDepth() - first];
            for (int i = first; i < stack.stackDepth(); i++) {
                frames[i - first] = stack.stackFrame(i);
            }
        }
        boolean alloc = pType[cpu] == AllocEvent.ALLOC;
        // An allocation's break comes with the stack after it, when the ledger already holds the block.
        int cacheTag = alloc ? ledger.outstandingTagAt(TagKind.CACHE, pAddr[cpu]) : pCacheTag[cpu];
        Pool pool = cacheTag >= 0 ? ledger.cachePool(cacheTag) : null;
        sink.onBreak(new Break(breaks, alloc, pTime[cpu], pTime[cpu] - firstNanos, cpu, pPid[cpu], pAddr[cpu],
                pSite[cpu], alloc ? pBytes[cpu] : 0, pCache[cpu], pool, frames));
    }

    @Override
    public void onLoss(int cpu, long count) {
        sink.onLoss(cpu, count);
    }

    @Override
    public void onEnd(boolean truncated) {
        for (int cpu = 0; cpu < pType.length; cpu++) {
            if (pType[cpu] != 0 && pHitByAddress[cpu]) {
                emit(cpu, null);
                pType[cpu] = 0;
            }
        }
    }
}
