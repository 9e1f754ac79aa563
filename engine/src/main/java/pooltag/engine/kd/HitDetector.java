package pooltag.engine.kd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.tag.TagKind;
import pooltag.linux.symbols.KernelSymbols;

/**
 * Recognises the breaks of the armed hit tag in an event stream, with {@code HitPrinter}'s rule: an allocation or
 * free of the tag followed on its CPU by a STACK event of the same pid is a break with that stack; a free of a block
 * the ledger holds under the tag is a break too (the kernel cannot filter kfree by the freed block's tag, so it may
 * come without a stack). An event of the tag that no stack follows (a recording made without {@code --hit}, or for
 * another tag; a stack lost with its buffer) is a break without frames, delivered when the next event of its CPU
 * arrives, on a loss there, or at the end.
 *
 * <p>Runs as the ledger's tap on the thread that drives the ledger (the session's merge thread, or a recording's
 * replay thread), before the ledger applies each event, so a free's block is still outstanding when it is looked up.
 * {@link #arm} and {@link #disarm} may be called from another thread: the armed tag is one immutable value behind a
 * volatile reference, and a new generation resets the per-CPU state the next time the driving thread looks.
 *
 * <p>Cost per event while armed: a volatile read, a few comparisons, and for frees one probe of the ledger's
 * outstanding table; strings are built only for breaks.
 */
final class HitDetector implements AllocEventConsumer {
    /**
     * What is armed.
     *
     * @param sinceNanos events before this time (event clock) are not breaks: they happened before the triggers were
     *                   in place, and a reorder window may deliver them late
     * @param generation changes on every arm and disarm; breaks carry it so a stale one is recognised
     */
    record Armed(KdHit hit, long sinceNanos, int generation) {
    }

    /** Where breaks go. Called on the driving thread. */
    interface Sink {
        /** False when no more breaks can be kept now: the break is then counted and not built. */
        boolean accepts();

        void accept(int generation, KdTarget.Break hit);
    }

    private final Ledger ledger;
    private final Supplier<KernelSymbols> symbols;
    private final IntFunction<String> cacheNames;
    private final IntFunction<String> comms;
    private final Sink sink;
    private volatile Armed armed;

    // Driving thread only.
    private int seenGeneration = -1;
    private int hitTagId = -1;
    private int matchedCacheId = -1;
    private long lastEventNanos = Long.MIN_VALUE;
    /** Breaks dropped because the queue was full; written on the merge thread, read by the console. */
    private volatile long dropped;
    // The pending candidate per CPU (type 0 = none), waiting for the stack that may follow it.
    private int[] pType = new int[0];
    private int[] pPid = new int[0];
    private long[] pTime = new long[0];
    private long[] pAddr = new long[0];
    private long[] pBytes = new long[0];

    /**
     * @param cacheNames a cache id's name (the session's or recording's name table)
     * @param comms      a pid's command name, "" when unknown
     */
    HitDetector(Ledger ledger, Supplier<KernelSymbols> symbols, IntFunction<String> cacheNames,
                IntFunction<String> comms, Sink sink) {
        this.ledger = ledger;
        this.symbols = symbols;
        this.cacheNames = cacheNames;
        this.comms = comms;
        this.sink = sink;
    }

    /** Any thread. */
    void arm(KdHit hit, long sinceNanos, int generation) {
        armed = new Armed(hit, sinceNanos, generation);
    }

    /** Any thread. */
    void disarm() {
        armed = null;
    }

    /** The latest event time seen, on the event clock; driving thread. */
    long lastEventNanos() {
        return lastEventNanos;
    }

    /** Breaks not kept because the sink was full; driving thread. */
    long dropped() {
        return dropped;
    }

    @Override
    public void onEvent(AllocEvent e) {
        long ts = e.timestampNanos();
        if (ts > lastEventNanos) {
            lastEventNanos = ts;
        }
        Armed a = armed;
        if (a == null) {
            if (seenGeneration != -1) {
                reset(-1);
            }
            return;
        }
        if (a.generation() != seenGeneration) {
            reset(a.generation());
        }
        int cpu = e.cpu();
        if (cpu < 0) {
            return;
        }
        if (cpu >= pType.length) {
            grow(cpu);
        }
        if (e.type() == AllocEvent.STACK) {
            if (pType[cpu] != 0 && pPid[cpu] == e.pid()) {
                emit(a, cpu, e);
            }
            return;
        }
        if (pType[cpu] != 0) {
            emit(a, cpu, null); // no stack followed it
        }
        if (ts < a.sinceNanos()) {
            return;
        }
        KdHit hit = a.hit();
        if (e.type() == AllocEvent.ALLOC) {
            if (e.address() != 0 && matches(hit, e)) {
                pending(cpu, e, AllocEvent.ALLOC, e.bytesAllocated());
            }
        } else if (e.type() == AllocEvent.FREE) {
            if (hitTagId < 0) {
                hitTagId = ledger.tagId(hit.kind(), hit.ledgerName()); // known once the ledger has seen the tag
            }
            boolean held = hitTagId >= 0 && ledger.outstandingTagAt(hit.kind(), e.address()) == hitTagId;
            if (held || (e.address() != 0 && matches(hit, e))) {
                pending(cpu, e, AllocEvent.FREE, held ? Math.max(0, ledger.outstandingBytesAt(e.address())) : 0);
            }
        }
    }

    /** An event of the tag by its own fields: cache name, kmalloc size class (allocations only), or call site. */
    private boolean matches(KdHit hit, AllocEvent e) {
        if (hit.kind() == TagKind.SITE) {
            return hit.inSite(e.callSite());
        }
        if (hit.kmallocBytes() > 0) {
            return e.type() == AllocEvent.ALLOC && e.source() == AllocEvent.SOURCE_KMALLOC && e.cacheId() < 0
                    && e.bytesAllocated() == hit.kmallocBytes();
        }
        int id = e.cacheId();
        if (id < 0) {
            return false;
        }
        if (matchedCacheId >= 0) {
            return id == matchedCacheId; // a name table gives one id per name
        }
        if (hit.ledgerName().equals(cacheNames.apply(id))) {
            matchedCacheId = id;
            return true;
        }
        return false;
    }

    private void pending(int cpu, AllocEvent e, int type, long bytes) {
        pType[cpu] = type;
        pPid[cpu] = e.pid();
        pTime[cpu] = e.timestampNanos();
        pAddr[cpu] = e.address();
        pBytes[cpu] = bytes;
    }

    private void emit(Armed a, int cpu, AllocEvent stack) {
        int type = pType[cpu];
        pType[cpu] = 0;
        if (!sink.accepts()) {
            dropped++;
            return;
        }
        List<String> frames = List.of();
        if (stack != null) {
            KernelSymbols s = symbols.get();
            frames = new ArrayList<>(stack.stackDepth());
            for (int i = pooltag.linux.symbols.Frames.firstAllocatorFrame(s, stack.stackDepth(), stack::stackFrame);
                    i < stack.stackDepth(); i++) {
                frames.add(s.format(stack.stackFrame(i)));
            }
        }
        sink.accept(a.generation(), new KdTarget.Break(type == AllocEvent.ALLOC ? KdTarget.Kind.ALLOC
                : KdTarget.Kind.FREE, a.hit().ledgerName(), pAddr[cpu], pBytes[cpu], pPid[cpu], comms.apply(pPid[cpu]),
                cpu, pTime[cpu], frames));
    }

    /** A loss breaks the adjacency on that CPU: its candidate is a break without a stack. */
    @Override
    public void onLoss(int cpu, long count) {
        Armed a = armed;
        if (a != null && a.generation() == seenGeneration && cpu >= 0 && cpu < pType.length && pType[cpu] != 0) {
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
            if (pType[cpu] != 0) {
                emit(a, cpu, null);
            }
        }
    }

    private void reset(int generation) {
        seenGeneration = generation;
        hitTagId = -1;
        matchedCacheId = -1;
        Arrays.fill(pType, 0);
    }

    private void grow(int cpu) {
        int n = Math.max(cpu + 1, pType.length * 2);
        pType = Arrays.copyOf(pType, n);
        pPid = Arrays.copyOf(pPid, n);
        pTime = Arrays.copyOf(pTime, n);
        pAddr = Arrays.copyOf(pAddr, n);
        pBytes = Arrays.copyOf(pBytes, n);
    }
}
