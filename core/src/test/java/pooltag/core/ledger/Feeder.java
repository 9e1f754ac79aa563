package pooltag.core.ledger;

import java.util.Arrays;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.testkit.ReusableEvent;

/**
 * Drives a consumer with synthetic events through one reusable view, as a decoder does: every call overwrites
 * the same object, so a consumer that kept a reference would see the next event's values.
 */
public final class Feeder {
    private final ReusableEvent v = new ReusableEvent();
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
        sink.onEvent(v.alloc(source, ts, cpu, pid, addr, callSite, bytes, cacheId, gfp));
        return this;
    }

    public Feeder free(long ts, int cpu, int pid, long addr) {
        sink.onEvent(v.free(ts, cpu, pid, addr));
        return this;
    }

    /** A {@code kmem_cache_free} naming cache {@code cacheId}. */
    public Feeder cacheFree(long ts, int cpu, int pid, long addr, int cacheId) {
        sink.onEvent(v.cacheFree(ts, cpu, pid, addr, cacheId));
        return this;
    }

    public Feeder newTask(long ts, int cpu, int creator, int child, long cloneFlags) {
        sink.onEvent(v.newTask(ts, cpu, creator, child, cloneFlags));
        return this;
    }

    public Feeder taskMove(long ts, int cpu, int mover, int task, int hierarchy, String path) {
        sink.onEvent(v.taskMove(ts, cpu, mover, task, hierarchy, path));
        return this;
    }

    public Feeder stack(long ts, int cpu, int pid, long... frames) {
        long[] shown = frames.clone();
        sink.onEvent(v.stack(ts, cpu, pid, shown));
        // Scribble over the frames the consumer was shown: it must have copied what it keeps.
        Arrays.fill(shown, -1);
        return this;
    }
}
