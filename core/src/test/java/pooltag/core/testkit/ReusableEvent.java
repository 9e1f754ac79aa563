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

    private int type, source, cpu, pid, cacheId, depth, taskPid, hierarchyId;
    private long ts, addr, callSite, bytes, gfp, cloneFlags;
    private String cgroupPath;
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

    /** A {@code kmem_cache_free} that names its cache, as Linux 5.12+ records it. */
    public ReusableEvent cacheFree(long ts, int cpu, int pid, long addr, int cacheId) {
        set(FREE, SOURCE_KMEM_CACHE, ts, cpu, pid, addr, FREE_CALL_SITE, 0, cacheId, 0);
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

    /** A task birth ({@code task/task_newtask}): {@code creator} made {@code child} with these clone flags. */
    public ReusableEvent newTask(long ts, int cpu, int creator, int child, long cloneFlags) {
        set(NEW_TASK, 0, ts, cpu, creator, 0, 0, 0, -1, 0);
        depth = 0;
        taskPid = child;
        this.cloneFlags = cloneFlags;
        return this;
    }

    /** A task move ({@code cgroup/cgroup_attach_task}): {@code mover} put {@code task} in {@code path} of a hierarchy. */
    public ReusableEvent taskMove(long ts, int cpu, int mover, int task, int hierarchy, String path) {
        set(TASK_MOVE, 0, ts, cpu, mover, 0, 0, 0, -1, 0);
        depth = 0;
        taskPid = task;
        hierarchyId = hierarchy;
        cgroupPath = path;
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
    @Override public int taskPid() { return type == NEW_TASK || type == TASK_MOVE ? taskPid : -1; }
    @Override public long cloneFlags() { return type == NEW_TASK ? cloneFlags : 0; }
    @Override public int hierarchyId() { return type == TASK_MOVE ? hierarchyId : -1; }
    @Override public String cgroupPath() { return type == TASK_MOVE ? cgroupPath : null; }
}
