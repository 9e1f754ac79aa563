package pooltag.engine.hit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.linux.symbols.Frames;
import pooltag.linux.symbols.KernelSymbols;

/**
 * PoolHitTag's break rule, the one {@code pooltag hit}, kd's targets and the web page's Hit view apply. The kernel
 * writes a stack only after the armed tag's events (a filtered stacktrace trigger, {@link HitTarget#triggers()}):
 * an allocation or free of the tag followed on its CPU by a STACK event of the same pid is a break with that stack.
 * A free of a block the ledger holds under the tag is a break too (the kernel cannot filter kfree by the freed
 * block's tag, so it may come without a stack). An event of the tag that no stack follows (a recording made without
 * {@code --hit}, or for another tag; a stack lost with its buffer) is a break without frames, delivered when the
 * next event of its CPU arrives, on a loss there, or at the end.
 *
 * <p>Runs as the ledger's tap on the thread that drives the ledger (the session's merge thread, or a recording's
 * replay thread), before the ledger applies each event, so a free's block is still outstanding when it is looked up.
 * {@link #arm} and {@link #disarm} may be called from any thread: the armed tag is one immutable value behind a
 * volatile reference, and a new generation resets the per-CPU state the next time the driving thread looks. Per-CPU
 * state grows with the highest CPU number seen: no CPU's events are ignored, whatever the host's size.
 *
 * <p>Cost per event while armed: a volatile read, a few primitive comparisons and stores, and for frees one probe
 * of the ledger's outstanding table; a {@link Break} and its strings are built only for breaks.
 */
public final class BreakDetector implements AllocEventConsumer {
    /** Where breaks go. Called on the driving thread, in event order. */
    public interface Sink {
        /** False when no more breaks can be kept now: the break is then counted as dropped and not built. */
        default boolean accepts() {
            return true;
        }

        /** @param generation the arming the break belongs to (see {@link #arm}); a stale one can be told apart */
        void onBreak(int generation, Break b);

        /** The source dropped {@code count} events on {@code cpu} (negative: an unknown number). */
        default void onLoss(int cpu, long count) {
        }
    }

    /**
     * What is armed.
     *
     * @param sinceNanos events before this time (event clock) are not breaks: they happened before the triggers were
     *                   in place, and a reorder window may deliver them late
     * @param generation changes on every arm; breaks carry it so a stale one is recognised
     */
    private record Armed(HitTarget target, long sinceNanos, int generation) {
    }

    private static final int NONE = 0;
    /** How often (event time) tag ids the ledger had not seen yet are looked up again. */
    private static final long TAG_REFRESH_NANOS = 10_000_000L;

    private final Ledger ledger;
    private final Supplier<KernelSymbols> symbols;
    private final IntFunction<String> cacheNames;
    private final IntFunction<String> comms;
    private final Sink sink;
    private volatile Armed armed;

    // Driving thread only.
    private int seenGeneration = -1;
    private long seq;
    private long firstNanos = Long.MIN_VALUE;
    private long lastEventNanos = Long.MIN_VALUE;
    /** The ledger's tag ids of the target's names (-1: not seen yet), refreshed until all are known. */
    private int[] tagIds = new int[0];
    private long tagIdsNextCheckNanos = Long.MIN_VALUE;
    /** Per cache id of the source: 0 not looked at, 1 named by the target, 2 not. */
    private byte[] cacheMatch = new byte[0];
    /** Breaks not built because the sink was full; written on the driving thread, read by any. */
    private volatile long dropped;
    // The pending candidate per CPU (type NONE = none), waiting for the stack that may follow it.
    private int[] pType = new int[0];
    private int[] pPid = new int[0];
    private long[] pTime = new long[0];
    private long[] pAddr = new long[0];
    private long[] pSite = new long[0];
    private long[] pBytes = new long[0];
    private int[] pCache = new int[0];
    /** The ledger's cache tag of the block a pending free releases (looked up before the ledger forgets it), or -1. */
    private int[] pCacheTag = new int[0];
    /** A pending free's cgroup tag, read before the ledger drops the block (an allocation's is read at emit). */
    private int[] pCgroupTag = new int[0];

    /**
     * @param symbols    the symbols stacks are printed with (kd's {@code .reload} may replace them)
     * @param cacheNames a cache id's name (the session's or recording's name table)
     * @param comms      a pid's command name, "" when unknown
     */
    public BreakDetector(Ledger ledger, Supplier<KernelSymbols> symbols, IntFunction<String> cacheNames,
                         IntFunction<String> comms, Sink sink) {
        this.ledger = ledger;
        this.symbols = symbols;
        this.cacheNames = cacheNames;
        this.comms = comms;
        this.sink = sink;
    }

    /** Arms {@code target} for events at or after {@code sinceNanos} (event clock). Any thread. */
    public void arm(HitTarget target, long sinceNanos, int generation) {
        armed = new Armed(target, sinceNanos, generation);
    }

    /** Any thread. */
    public void disarm() {
        armed = null;
    }

    /** The latest event time seen, on the event clock; driving thread. */
    public long lastEventNanos() {
        return lastEventNanos;
    }

    /** Breaks of the current arming found so far (delivered or dropped); driving thread. */
    public long breaks() {
        return seq;
    }

    /** Breaks not kept because the sink was full; any thread. */
    public long dropped() {
        return dropped;
    }

    @Override
    public void onEvent(AllocEvent e) {
        long ts = e.timestampNanos();
        if (ts > lastEventNanos) {
            lastEventNanos = ts;
        }
        if (firstNanos == Long.MIN_VALUE) {
            firstNanos = ts;
        }
        Armed a = armed;
        if (a == null) {
            if (seenGeneration != -1) {
                reset(-1, null);
            }
            return;
        }
        if (a.generation() != seenGeneration) {
            reset(a.generation(), a.target());
        }
        int cpu = e.cpu();
        if (cpu < 0) {
            return;
        }
        if (cpu >= pType.length) {
            grow(cpu);
        }
        if (e.type() == AllocEvent.NEW_TASK || e.type() == AllocEvent.TASK_MOVE) {
            return; // no allocation, and no stack follows it: a pending hit still waits for its own
        }
        if (e.type() == AllocEvent.STACK) {
            if (pType[cpu] != NONE && pPid[cpu] == e.pid()) {
                emit(a, cpu, e);
            }
            return;
        }
        if (pType[cpu] != NONE) {
            emit(a, cpu, null); // no stack followed it
        }
        if (ts < a.sinceNanos()) {
            return;
        }
        HitTarget t = a.target();
        if (e.type() == AllocEvent.ALLOC) {
            if (e.address() != 0 && matches(t, e)) {
                pending(cpu, e, AllocEvent.ALLOC, e.bytesAllocated(), -1);
            }
        } else if (e.type() == AllocEvent.FREE) {
            boolean held = isHitTag(ledger.outstandingTagAt(t.kind(), e.address()), ts);
            if (held || (e.address() != 0 && matches(t, e))) {
                // A second table probe only for hit frees (a block the ledger does not hold has no pool to find).
                pending(cpu, e, AllocEvent.FREE, held ? Math.max(0, ledger.outstandingBytesAt(e.address())) : 0,
                        held ? ledger.outstandingTagAt(TagKind.CACHE, e.address()) : -1);
            }
        }
    }

    /**
     * An event of the tag by its own fields: call site, kmalloc size class (allocations only), cache name, or, for a
     * kmem_cache allocation that names no cache (before 6.2), the cache's object and slot sizes.
     */
    private boolean matches(HitTarget t, AllocEvent e) {
        if (t.kind() != TagKind.CACHE) {
            return t.inSite(e.callSite());
        }
        int id = e.cacheId();
        if (id < 0) {
            if (e.type() != AllocEvent.ALLOC) {
                return false;
            }
            return e.source() == AllocEvent.SOURCE_KMALLOC ? t.namesKmallocClass(e.bytesAllocated())
                    : e.source() == AllocEvent.SOURCE_KMEM_CACHE
                    && t.namesCacheBySizes(e.bytesRequested(), e.bytesAllocated());
        }
        if (id >= cacheMatch.length) {
            cacheMatch = Arrays.copyOf(cacheMatch, Math.max(id + 1, cacheMatch.length * 2));
        }
        if (cacheMatch[id] == 0) {
            cacheMatch[id] = (byte) (t.namesCache(cacheNames.apply(id)) ? 1 : 2); // a name table gives one id a name
        }
        return cacheMatch[id] == 1;
    }

    /** True when {@code tagId} is one of the target's tags in the ledger. */
    private boolean isHitTag(int tagId, long nowNanos) {
        if (tagId < 0) {
            return false;
        }
        for (int id : tagIds) {
            if (id == tagId) {
                return true;
            }
        }
        // A tag the ledger had not seen when last looked up may exist now (looked up again at most every 10 ms).
        if (nowNanos >= tagIdsNextCheckNanos && refreshTagIds()) {
            tagIdsNextCheckNanos = nowNanos + TAG_REFRESH_NANOS;
            for (int id : tagIds) {
                if (id == tagId) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Looks up the ids still unknown; true when any was. */
    private boolean refreshTagIds() {
        Armed a = armed;
        if (a == null) {
            return false;
        }
        boolean unknown = false;
        List<String> names = a.target().ledgerNames();
        for (int i = 0; i < tagIds.length; i++) {
            if (tagIds[i] < 0) {
                tagIds[i] = ledger.tagId(a.target().kind(), names.get(i));
                unknown = true;
            }
        }
        return unknown;
    }

    private void pending(int cpu, AllocEvent e, int type, long bytes, int cacheTag) {
        pType[cpu] = type;
        pPid[cpu] = e.pid();
        pTime[cpu] = e.timestampNanos();
        pAddr[cpu] = e.address();
        pSite[cpu] = e.callSite();
        pBytes[cpu] = bytes;
        pCache[cpu] = e.cacheId();
        pCacheTag[cpu] = cacheTag;
        pCgroupTag[cpu] = type == AllocEvent.FREE ? ledger.cgroupAt(e.address()) : -1;
    }

    private void emit(Armed a, int cpu, AllocEvent stack) {
        int type = pType[cpu];
        pType[cpu] = NONE;
        seq++;
        if (!sink.accepts()) {
            dropped++;
            return;
        }
        List<String> frames = List.of();
        if (stack != null) {
            // The stack starts inside the tracepoint that recorded it: a break shows the allocator and its callers.
            KernelSymbols s = symbols.get();
            frames = new ArrayList<>(stack.stackDepth());
            for (int i = Frames.firstAllocatorFrame(s, stack.stackDepth(), stack::stackFrame); i < stack.stackDepth();
                    i++) {
                frames.add(s.format(stack.stackFrame(i)));
            }
        }
        boolean alloc = type == AllocEvent.ALLOC;
        // An allocation's break comes with the stack after it, when the ledger already holds the block.
        int cacheTag = alloc ? ledger.outstandingTagAt(TagKind.CACHE, pAddr[cpu]) : pCacheTag[cpu];
        Pool pool = cacheTag >= 0 ? ledger.cachePool(cacheTag) : null;
        String tag = tagOf(a.target(), cpu);
        sink.onBreak(a.generation(), new Break(seq, alloc ? Break.Kind.ALLOC : Break.Kind.FREE, tag, pTime[cpu],
                pTime[cpu] - firstNanos, cpu, pPid[cpu], comms.apply(pPid[cpu]), pAddr[cpu], pSite[cpu], pBytes[cpu],
                pCache[cpu], pool, frames, stack != null, alloc ? ledger.cgroupAt(pAddr[cpu]) : pCgroupTag[cpu]));
    }

    /** Which of the target's names the pending event is (the one name, unless a wildcard named several). */
    private String tagOf(HitTarget t, int cpu) {
        List<String> names = t.ledgerNames();
        if (names.size() == 1) {
            return names.get(0);
        }
        if (t.kind() == TagKind.CACHE && pCache[cpu] >= 0) {
            String n = cacheNames.apply(pCache[cpu]);
            if (n != null && names.contains(n)) {
                return n;
            }
        }
        if (t.kind() == TagKind.SITE) {
            String f = symbols.get().functionName(pSite[cpu]);
            if (f != null && names.contains(f)) {
                return f;
            }
        }
        return t.tag();
    }

    /** A loss breaks the adjacency on that CPU: its candidate is a break without a stack. */
    @Override
    public void onLoss(int cpu, long count) {
        endAdjacency(cpu);
        sink.onLoss(cpu, count);
    }

    /**
     * A skipped record breaks the adjacency as a loss does (the stack after it may belong to the skipped event); the
     * count itself is the ledger's to report.
     */
    @Override
    public void onSkipped(int cpu, long count) {
        endAdjacency(cpu);
    }

    /** The CPU's pending candidate, if any, is a break without a stack: nothing after a gap can be its stack. */
    private void endAdjacency(int cpu) {
        Armed a = armed;
        if (a != null && a.generation() == seenGeneration && cpu >= 0 && cpu < pType.length && pType[cpu] != NONE) {
            emit(a, cpu, null);
        }
    }

    @Override
    public void onEnd(boolean truncated) {
        Armed a = armed;
        if (a == null || a.generation() != seenGeneration) {
            return;
        }
        for (int cpu = 0; cpu < pType.length; cpu++) {
            if (pType[cpu] != NONE) {
                emit(a, cpu, null);
            }
        }
    }

    private void reset(int generation, HitTarget target) {
        seenGeneration = generation;
        seq = 0;
        tagIds = new int[target == null ? 0 : target.ledgerNames().size()];
        Arrays.fill(tagIds, -1);
        tagIdsNextCheckNanos = Long.MIN_VALUE;
        if (target != null) {
            refreshTagIds();
        }
        Arrays.fill(cacheMatch, (byte) 0);
        Arrays.fill(pType, NONE);
    }

    private void grow(int cpu) {
        int n = Math.max(cpu + 1, pType.length * 2);
        pType = Arrays.copyOf(pType, n);
        pPid = Arrays.copyOf(pPid, n);
        pTime = Arrays.copyOf(pTime, n);
        pAddr = Arrays.copyOf(pAddr, n);
        pSite = Arrays.copyOf(pSite, n);
        pBytes = Arrays.copyOf(pBytes, n);
        pCache = Arrays.copyOf(pCache, n);
        pCacheTag = Arrays.copyOf(pCacheTag, n);
        pCgroupTag = Arrays.copyOf(pCgroupTag, n);
    }
}
