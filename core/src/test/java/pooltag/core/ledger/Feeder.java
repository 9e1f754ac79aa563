package pooltag.core.ledger;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;

/**
 * Drives a consumer with synthetic events through one reusable view, as a decoder does: every call overwrites
 * the same object, so a consumer that kept a reference would see the next event's values.
 */
public final class Feeder {
    private final View v = new View();
    private final AllocEventConsumer sink;

    public Feeder(AllocEventConsumer sink) {
        this.sink = sink;
    }

    public Feeder kmalloc(long ts, int cpu, int pid, long addr, long callSite, long bytes) {
        return alloc(AllocEvent.SOURCE_KMALLOC, ts, cpu, pid, addr, callSite, bytes, -1, 0);
    }

    public Feeder cacheAlloc(long ts, int cpu, int pid, long addr, long callSite, long bytes, int cacheId) {
        return alloc(AllocEvent.SOURCE_KMEM_CACHE, ts, cpu, pid, addr, callSite, bytes, cacheId, 0);
    }

    public Feeder alloc(int source, long ts, int cpu, int pid, long addr, long callSite, long bytes, int cacheId,
                        long gfp) {
        v.set(AllocEvent.ALLOC, source, ts, cpu, pid, addr, callSite, bytes, cacheId, gfp);
        v.depth = 0;
        sink.onEvent(v);
        return this;
    }

    public Feeder free(long ts, int cpu, int pid, long addr) {
        v.set(AllocEvent.FREE, AllocEvent.SOURCE_KMALLOC, ts, cpu, pid, addr, 0xffffffff81000000L, 0, -1, 0);
        v.depth = 0;
        sink.onEvent(v);
        return this;
    }

    public Feeder stack(long ts, int cpu, int pid, long... frames) {
        v.set(AllocEvent.STACK, 0, ts, cpu, pid, 0, 0, 0, -1, 0);
        v.frames = frames;
        v.depth = frames.length;
        sink.onEvent(v);
        // Scribble over the frames the consumer was shown: it must have copied what it keeps.
        v.frames = new long[]{-1, -1, -1};
        return this;
    }

    private static final class View implements AllocEvent {
        int type, source, cpu, pid, cacheId, depth;
        long ts, addr, callSite, bytes, gfp;
        long[] frames = new long[0];

        void set(int type, int source, long ts, int cpu, int pid, long addr, long callSite, long bytes, int cacheId,
                 long gfp) {
            this.type = type;
            this.source = source;
            this.ts = ts;
            this.cpu = cpu;
            this.pid = pid;
            this.addr = addr;
            this.callSite = callSite;
            this.bytes = bytes;
            this.cacheId = cacheId;
            this.gfp = gfp;
        }

        @Override public int type() { return type; }
        @Override public int source() { return source; }
        @Override public long timestampNanos() { return ts; }
        @Override public int cpu() { return cpu; }
        @Override public int pid() { return pid; }
        @Override public long address() { return addr; }
        @Override public long callSite() { return callSite; }
        @Override public long bytesRequested() { return bytes; }
        @Override public long bytesAllocated() { return bytes; }
        @Override public int cacheId() { return cacheId; }
        @Override public long gfpFlags() { return gfp; }
        @Override public int stackDepth() { return depth; }
        @Override public long stackFrame(int i) { return frames[i]; }
    }
}
