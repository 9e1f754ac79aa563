package pooltag.core.testkit;

import pooltag.core.event.AllocEvent;

/**
 * The decoder-side flyweight for tests and benchmarks: one object, overwritten by every call, as a decoder's view
 * is. The setters allocate nothing (a benchmark's measured loop calls them per event); {@link #stack} keeps a
 * reference to the caller's frames, so a consumer that kept the view or the array would see the next event.
 */
public final class ReusableEvent implements AllocEvent {
    /** The call site {@link #free} reports: frees carry no meaningful site, and the ledger charges the allocation's. */
    public static final long FREE_CALL_SITE = 0xffffffff81000000L;

    private int type, source, cpu, pid, cacheId, depth;
    private long ts, addr, callSite, bytes, gfp;
    private long[] frames = new long[0];

    /** An allocation; {@code cacheId} -1 for kmalloc (no cache name), {@code gfp} the raw GFP bits. */
    public ReusableEvent alloc(int source, long ts, int cpu, int pid, long addr, long callSite, long bytes, int cacheId,
                               long gfp) {
        set(ALLOC, source, ts, cpu, pid, addr, callSite, bytes, cacheId, gfp);
        depth = 0;
        return this;
    }

    public ReusableEvent free(long ts, int cpu, int pid, long addr) {
        set(FREE, SOURCE_KMALLOC, ts, cpu, pid, addr, FREE_CALL_SITE, 0, -1, 0);
        depth = 0;
        return this;
    }

    /** A stack record, frames innermost first; the array is referenced, not copied. */
    public ReusableEvent stack(long ts, int cpu, int pid, long[] frames) {
        set(STACK, 0, ts, cpu, pid, 0, 0, 0, -1, 0);
        this.frames = frames;
        depth = frames.length;
        return this;
    }

    private void set(int type, int source, long ts, int cpu, int pid, long addr, long callSite, long bytes, int cacheId,
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
