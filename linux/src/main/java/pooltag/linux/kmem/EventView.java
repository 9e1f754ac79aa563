package pooltag.linux.kmem;

import java.util.Arrays;

import pooltag.core.event.AllocEvent;

/**
 * The one mutable {@link AllocEvent} a decoder fills for each record; consumers must copy what they keep before
 * returning from {@code onEvent}. Setters are package-private: only the decoder writes.
 */
public final class EventView implements AllocEvent {
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
    @Override public long callSite() { return callSite; }
    @Override public long bytesRequested() { return bytesRequested; }
    @Override public long bytesAllocated() { return bytesAllocated; }
    @Override public int cacheId() { return cacheId; }
    @Override public long gfpFlags() { return gfpFlags; }
    @Override public int stackDepth() { return stackDepth; }
    @Override public int contextFlags() { return contextFlags; }
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
        return accountedField >= 0 ? accountedField != 0 : AllocEvent.super.accounted();
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
                + " cpu=" + cpu + " pid=" + pid + " cache=" + cacheId + " bytes=" + bytesAllocated
                + " depth=" + stackDepth + "]";
    }
}
