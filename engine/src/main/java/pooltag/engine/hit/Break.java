package pooltag.engine.hit;

import java.util.List;

import pooltag.core.snapshot.Pool;

/**
 * One break on the armed hit tag (PoolHitTag), as {@code pooltag hit} prints it, kd's {@code g} stops on it and the
 * web page's Hit view lists it. Built by {@link BreakDetector} only for breaks, never per event.
 *
 * @param seq             1, 2, 3... since the tag was armed
 * @param kind            allocation or free
 * @param tag             the tag that matched, in the ledger's spelling ({@code dentry}, {@code kmalloc-1k},
 *                        {@code alloc_pipe_info})
 * @param timeNanos       the event's time on the source's clock (CLOCK_MONOTONIC of the traced machine)
 * @param sinceFirstNanos time since the first event the detector saw (for {@code t=+s})
 * @param cpu             the CPU the event happened on
 * @param pid             the task that allocated or freed
 * @param comm            its command name, "" when unknown
 * @param address         the block: a kernel address, printed only through the address policy
 * @param callSite        the allocating or freeing function's address
 * @param size            bytes allocated; for a free, the freed block's size when the ledger held it, else 0
 * @param cacheId         the source's cache id, -1 when the event names no cache (kmalloc events)
 * @param pool            the block's pool as the ledger classed its cache, null when the ledger does not hold it
 * @param frames          the kernel stack from the allocator outwards ({@code symbol+0xoff/0xlen [module]}),
 *                        tracepoint frames dropped; empty when no stack came with the event
 * @param stacked         a stack came with the event (frames may still be empty only if it had no frames at all)
 * @param cgroupTag       the ledger's cgroup tag id of the block (the cgroup it charged the allocation to, by its
 *                        rules: interrupts and kernel threads are their own rows), -1 when the ledger does not hold
 *                        the block or does not tag by cgroup
 */
public record Break(long seq, Kind kind, String tag, long timeNanos, long sinceFirstNanos, int cpu, int pid,
                    String comm, long address, long callSite, long size, int cacheId, Pool pool, List<String> frames,
                    boolean stacked, int cgroupTag) {
    /** A break without a cgroup. */
    public Break(long seq, Kind kind, String tag, long timeNanos, long sinceFirstNanos, int cpu, int pid, String comm,
                 long address, long callSite, long size, int cacheId, Pool pool, List<String> frames, boolean stacked) {
        this(seq, kind, tag, timeNanos, sinceFirstNanos, cpu, pid, comm, address, callSite, size, cacheId, pool, frames,
                stacked, -1);
    }

    /** An allocation or a free: the two things PoolHitTag breaks on. */
    public enum Kind {
        ALLOC("alloc"), FREE("free");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Break {
        frames = List.copyOf(frames);
        comm = comm == null ? "" : comm;
    }

    /** A break as a scripted or replayed source gives it: no sequence, call site, cache or pool. */
    public static Break of(Kind kind, String tag, long address, long size, int pid, String comm, int cpu,
                           long timeNanos, List<String> frames) {
        return new Break(0, kind, tag, timeNanos, 0, cpu, pid, comm, address, 0, size, -1, null, frames,
                !frames.isEmpty());
    }
}
