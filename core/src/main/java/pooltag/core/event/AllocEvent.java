package pooltag.core.event;

/**
 * One allocation-side event, seen through a reusable view: the decoder (tracefs pages, a recording, a Windows
 * transcript) fills one mutable object and hands it to {@link AllocEventConsumer#onEvent}; the view is valid only
 * during that call and is overwritten by the next event. Consumers copy the primitives they keep. No method here
 * allocates.
 *
 * <p>Units: timestamps in nanoseconds on the source's clock (CLOCK_MONOTONIC for live data), sizes in bytes,
 * addresses as unsigned 64-bit values in a {@code long}.
 */
public interface AllocEvent {
    /** An allocation: address, size, call site, cache are valid. */
    int ALLOC = 1;
    /** A free: address and call site are valid; size is 0 (the kernel does not say). */
    int FREE = 2;
    /**
     * A kernel stack. On Linux it follows the event it belongs to on the same CPU (an interrupt may slip in
     * between): pair by CPU, adjacency and pid. {@link #stackDepth()} and {@link #stackFrame(int)} are valid.
     */
    int STACK = 3;
    /**
     * A task was created (Linux {@code task/task_newtask}): {@link #pid()} is the creating task (the one whose cgroups
     * the new task inherits), {@link #taskPid()} the new task, {@link #cloneFlags()} its clone flags. No address, size
     * or site. Only a source that traces tasks for {@code --tag-by cgroup} emits it.
     */
    int NEW_TASK = 4;
    /**
     * A task was moved into a cgroup (Linux {@code cgroup/cgroup_attach_task}): {@link #taskPid()} is the task,
     * {@link #hierarchyId()} the hierarchy (as {@code /proc/<pid>/cgroup} numbers it), {@link #cgroupPath()} the
     * cgroup's path from the hierarchy's root. {@link #pid()} is the task that moved it. As {@link #NEW_TASK}, only for
     * {@code --tag-by cgroup}.
     */
    int TASK_MOVE = 5;

    /** Where the allocation came from; decides the pool and which counters move. */
    int SOURCE_KMALLOC = 1;
    int SOURCE_KMEM_CACHE = 2;
    int SOURCE_PAGE = 3;
    int SOURCE_PERCPU = 4;
    int SOURCE_WINDOWS_POOL = 5;

    /**
     * Context bits of {@link #contextFlags()}: ftrace's {@code TRACE_FLAG_HARDIRQ}, {@code TRACE_FLAG_SOFTIRQ} and
     * {@code TRACE_FLAG_NMI} ({@code kernel/trace/trace.h}, unchanged since 2.6). In those contexts {@link #pid()}
     * is the interrupted task's, not the allocation's owner.
     */
    int CONTEXT_HARDIRQ = 0x08;
    int CONTEXT_SOFTIRQ = 0x10;
    int CONTEXT_NMI = 0x40;

    int type();

    /** {@link #SOURCE_KMALLOC} etc. */
    int source();

    long timestampNanos();

    int cpu();

    int pid();

    /** The block's address ({@code ptr}; for page events the pfn shifted by the page size). 0 for a failed allocation. */
    long address();

    /** The caller's address ({@code call_site}), or 0 when the source has none. */
    long callSite();

    long bytesRequested();

    long bytesAllocated();

    /**
     * The slab cache (kmem_cache events) as an id into the source's name table, fixed for the session; or -1
     * when the event carries no name (kmalloc: derive {@code kmalloc-<bytesAllocated>} from the size).
     */
    int cacheId();

    /** GFP flags of an allocation, 0 for a free. */
    long gfpFlags();

    /** Frames in a {@link #STACK} event, innermost first. */
    int stackDepth();

    long stackFrame(int i);

    /**
     * The record's {@code common_flags} ({@link #CONTEXT_HARDIRQ}, {@link #CONTEXT_SOFTIRQ}, {@link #CONTEXT_NMI});
     * 0 when the source does not carry them (a Windows transcript).
     */
    default int contextFlags() {
        return 0;
    }

    /** The task a {@link #NEW_TASK} (the new task) or {@link #TASK_MOVE} (the moved task) event is about; -1 otherwise. */
    default int taskPid() {
        return -1;
    }

    /** The clone flags of a {@link #NEW_TASK} event ({@code CLONE_*}, 64 bits); 0 otherwise. */
    default long cloneFlags() {
        return 0;
    }

    /** The hierarchy of a {@link #TASK_MOVE} event; -1 otherwise. */
    default int hierarchyId() {
        return -1;
    }

    /**
     * The cgroup path of a {@link #TASK_MOVE} event; null otherwise. Makes a String: for rare events only, never on an
     * allocation's path.
     */
    default String cgroupPath() {
        return null;
    }

    /**
     * True when the allocation is charged to a memory cgroup (memcg-accounted): the event's own {@code accounted}
     * field where it has one ({@code kmem_cache_alloc}: the cache is {@code SLAB_ACCOUNT} or the flags ask), else
     * {@code __GFP_ACCOUNT} in the GFP flags.
     */
    default boolean accounted() {
        return (gfpFlags() & Gfp.ACCOUNT) != 0;
    }

    /**
     * What the event shows of its cache's own {@code SLAB_ACCOUNT} flag: 1 when it is set (the event's
     * {@code accounted} field is true though the GFP flags do not ask), 0 when it is not (the field is false), -1 when
     * the event cannot say (no such field, before 6.0; or the flags ask for accounting themselves). Narrows the caches
     * a kmem_cache event that names none may come from.
     */
    default int cacheAccounting() {
        return -1;
    }
}
