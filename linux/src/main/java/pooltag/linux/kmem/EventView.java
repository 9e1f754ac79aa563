package pooltag.linux.kmem;

import java.util.Arrays;

import pooltag.core.event.AllocEvent;

/**
 * The one mutable {@link AllocEvent} a decoder fills for each record; consumers must copy what they keep before
 * returning from {@code onEvent}. Setters are package-private: only the decoder writes.
 *
 * <p>Lazy fields: for the four kmem events (nearly every record) and the two percpu ones the decoder stores the type,
 * source, time, CPU, pid and address, checks the record's bounds, and leaves the rest in the page:
 * {@link #callSite}, the sizes, the GFP flags, the context flags, {@code accounted} and the cache id are read from
 * it when asked, so a consumer pays only for what it reads (the ledger pairs a free by its address and never reads
 * its call site or cache name). The page stays valid during {@code onEvent}, as the whole view.
 */
public final class EventView implements AllocEvent {
    /** {@link #cacheId} of a cache record whose name is not interned yet ({@link #nameAt} says where it is). */
    static final int CACHE_ID_PENDING = -2;

    /** The decoder and record of a lazy view (see the class comment); {@link #lazy} false: every field is stored. */
    private KmemDecoder decoder;
    private byte[] record;
    private int recordOff;
    private boolean lazy;
    /** Where a cache record's name is ({@code KmemDecoder.nameLoc}'s answer), while {@link #cacheId} is pending. */
    long nameAt;

    int type;
    int source;
    long timestampNanos;
    int cpu;
    int pid;
    long address;
    long callSite;
    long bytesRequested;
    long bytesAllocated;
    int cacheId = -1;
    long gfpFlags;
    /** {@code common_flags}: irq context bits. */
    int contextFlags;
    /** The {@code accounted} field, or -1 when the event has none (then the GFP flags decide). */
    int accountedField = -1;
    int stackDepth;
    long[] frames = new long[64];
    /** The tracepoint id of the record this view holds (for consumers that care which event it was). */
    int eventId;
    /** {@link KmemDecoder#KIND_KMALLOC} etc. */
    int kind;
    /**
     * Written only for a {@link AllocEvent#NEW_TASK} or {@link AllocEvent#TASK_MOVE} (the accessors answer the
     * defaults for other types). The path is {@code pathBytes[pathOff, pathOff + pathLen)}, UTF-8, in the page being
     * decoded: valid during the event only, as the whole view.
     */
    int taskPid;
    long cloneFlags;
    int hierarchyId;
    byte[] pathBytes;
    int pathOff;
    int pathLen;

    @Override public int type() { return type; }
    @Override public int source() { return source; }
    @Override public long timestampNanos() { return timestampNanos; }
    @Override public int cpu() { return cpu; }
    @Override public int pid() { return pid; }
    @Override public long address() { return address; }
    @Override
    public long callSite() {
        return lazy ? decoder.lazyCallSite(record, recordOff, kind) : callSite;
    }

    @Override
    public long bytesRequested() {
        return lazy ? decoder.lazyBytesRequested(record, recordOff, kind) : bytesRequested;
    }

    @Override
    public long bytesAllocated() {
        return lazy ? decoder.lazyBytesAllocated(record, recordOff, kind) : bytesAllocated;
    }

    @Override
    public long gfpFlags() {
        return lazy ? decoder.lazyGfpFlags(record, recordOff, kind) : gfpFlags;
    }

    @Override
    public int contextFlags() {
        return lazy ? KmemDecoder.lazyContextFlags(record, recordOff) : contextFlags;
    }

    @Override public int stackDepth() { return stackDepth; }

    @Override
    public int cacheId() {
        if (cacheId == CACHE_ID_PENDING) {
            cacheId = decoder.lazyCacheId(record, recordOff, nameAt);
        }
        return cacheId;
    }

    /** The record's other fields are read from {@code b[off..]} when asked (the decoder checked its bounds). */
    void lazyFrom(KmemDecoder decoder, byte[] b, int off) {
        this.decoder = decoder;
        this.record = b;
        this.recordOff = off;
        this.lazy = true;
    }

    /** Every field is stored in the view (the decoder writes them next). */
    void eager() {
        this.lazy = false;
        this.record = null;
    }
    @Override public int taskPid() { return type == NEW_TASK || type == TASK_MOVE ? taskPid : -1; }
    @Override public long cloneFlags() { return type == NEW_TASK ? cloneFlags : 0; }
    @Override public int hierarchyId() { return type == TASK_MOVE ? hierarchyId : -1; }

    @Override
    public String cgroupPath() {
        return type == TASK_MOVE
                ? new String(pathBytes, pathOff, pathLen, java.nio.charset.StandardCharsets.UTF_8) : null;
    }

    @Override
    public boolean accounted() {
        int a = lazy ? decoder.lazyAccounted(record, recordOff, kind) : accountedField;
        return a >= 0 ? a != 0 : AllocEvent.super.accounted();
    }

    @Override
    public int cacheAccounting() {
        int a = lazy ? decoder.lazyAccounted(record, recordOff, kind) : accountedField;
        if (a <= 0) {
            return a;
        }
        return (gfpFlags() & pooltag.core.event.Gfp.ACCOUNT) == 0 ? 1 : -1;
    }

    @Override
    public long stackFrame(int i) {
        if (i < 0 || i >= stackDepth) {
            throw new IndexOutOfBoundsException("frame " + i + " of " + stackDepth);
        }
        return frames[i];
    }

    /** Which kernel event this was: {@link KmemDecoder#KIND_KMALLOC} ... {@link KmemDecoder#KIND_STACK}. */
    public int kind() {
        return kind;
    }

    public int eventId() {
        return eventId;
    }

    void ensureFrames(int n) {
        if (frames.length < n) {
            frames = Arrays.copyOf(frames, Math.max(n, frames.length * 2));
        }
    }

    @Override
    public String toString() { // diagnostics only; never called on the hot path
        return "EventView[type=" + type + " kind=" + KmemDecoder.kindName(kind) + " ts=" + timestampNanos
                + " cpu=" + cpu + " pid=" + pid + " cache=" + cacheId + " bytes=" + bytesAllocated()
                + " depth=" + stackDepth + "]";
    }
}
