package pooltag.linux.kmem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link TraceSession} traces. Immutable; build with {@link #kmem()} and the {@code with*} methods.
 *
 * @param events                  {@code system/name} keys to enable (see {@link KmemDecoder#EVENT_KEYS})
 * @param filters                 per event, a kernel filter expression ({@code name == "dentry"})
 * @param stackTriggers           per event, the filter of a {@code stacktrace} trigger ("" = every event)
 * @param bufferSizeKbPerCpu      ring buffer per CPU in KiB; 0 = sized from {@code expectedEventsPerSecond}
 * @param expectedEventsPerSecond peak rate the buffer must absorb for {@link #BUFFER_MILLIS} without loss
 * @param reorderWindow           how long an event waits for earlier events of other CPUs (see {@link EventMerger})
 * @param subbufKb                the ring buffer's sub-buffer ("page") size in KiB, {@code buffer_subbuf_size_kb}
 *                                (Linux 6.8+); 0 = the kernel's default (one 4 KiB page). Each read(2) of
 *                                {@code trace_pipe_raw} moves one sub-buffer, so a larger one means fewer reads,
 *                                fewer pool pages to hand over and fewer page headers per event
 */
public record TraceConfig(List<String> events, Map<String, String> filters, Map<String, String> stackTriggers,
                          int bufferSizeKbPerCpu, long expectedEventsPerSecond, Duration reorderWindow, int subbufKb) {

    /** The four slab events: kmalloc, kfree, kmem_cache_alloc, kmem_cache_free. */
    public static final List<String> KMEM_EVENTS = List.of("kmem/kmalloc", "kmem/kfree", "kmem/kmem_cache_alloc",
            "kmem/kmem_cache_free");
    /** Optional extra events: the page allocator and the per-CPU allocator. */
    public static final List<String> OPTIONAL_EVENTS = List.of("kmem/mm_page_alloc", "kmem/mm_page_free",
            "percpu/percpu_alloc_percpu", "percpu/percpu_free_percpu");

    /**
     * Task creation ({@code task/task_newtask}: the new task, its creator, the clone flags), traced beside the kmem
     * events with {@code --tag-by cgroup} ({@link #withTaskEvents}) so that a task's cgroup is known from its birth,
     * in event order, even when the task is gone before anything of it could be read from {@code /proc}.
     */
    public static final String TASK_NEWTASK = "task/task_newtask";
    /** A task's move into a cgroup ({@code cgroup/cgroup_attach_task}), traced with {@link #TASK_NEWTASK}. */
    public static final String CGROUP_ATTACH = "cgroup/cgroup_attach_task";
    /** The task events of {@link #withTaskEvents}: optional, each traced where the kernel has it. */
    public static final List<String> TASK_EVENTS = List.of(TASK_NEWTASK, CGROUP_ATTACH);

    /**
     * Milliseconds of events at the expected rate that the per-CPU buffer holds while its reader is late. The readers
     * empty the buffer as it fills (woken on data) and never wait on the consumer, so the buffer only has to cover a
     * reader's scheduling delay or a JVM pause, not the consumer's backlog (the page pool takes that).
     */
    public static final int BUFFER_MILLIS = 250;
    /**
     * The default expected rate: the highest kmem rate measured on the development machine (2 vCPUs, fsbench with
     * both CPUs busy, docs/PERFORMANCE.md), all of it assumed on one CPU.
     */
    public static final long DEFAULT_RATE = 3_000_000;
    /** Bytes per record assumed when sizing: a kmem_cache_alloc record is 68-80 bytes, kfree 28. */
    static final int BYTES_PER_EVENT = 64;

    /**
     * The sub-buffer {@code hunt} and {@code record} ask for ({@link #withBulkSubbuf}): 64 KiB moves 16 times as much
     * per read(2) or splice(2) as a 4 KiB page (the readers' cost was mostly per call: docs/PERFORMANCE.md "hunt CPU,
     * round 5" and "record, round 7"), while a page the kernel is still writing is still read as far as it is filled,
     * so a quiet CPU's events are not held back by the larger page. {@code -Dpooltag.subbufKb=4} gives one-page
     * sub-buffers back (the A/B of those sections); 0 leaves the kernel's default.
     */
    public static final int BULK_SUBBUF_KB = Integer.getInteger("pooltag.subbufKb", 64);

    public TraceConfig {
        if (subbufKb < 0 || subbufKb > pooltag.linux.ring.HeaderPage.MAX_PAGE_SIZE / 1024) {
            throw new IllegalArgumentException("sub-buffer size " + subbufKb + " KiB outside 0.."
                    + pooltag.linux.ring.HeaderPage.MAX_PAGE_SIZE / 1024);
        }
        events = List.copyOf(events);
        filters = Map.copyOf(filters);
        stackTriggers = Map.copyOf(stackTriggers);
    }

    public static TraceConfig kmem() {
        return new TraceConfig(KMEM_EVENTS, Map.of(), Map.of(), 0, DEFAULT_RATE, Duration.ofMillis(1000), 0);
    }

    public TraceConfig withEvents(List<String> ev) {
        return new TraceConfig(ev, filters, stackTriggers, bufferSizeKbPerCpu, expectedEventsPerSecond,
                reorderWindow, subbufKb);
    }

    public TraceConfig withFilter(String event, String expr) {
        Map<String, String> m = new LinkedHashMap<>(filters);
        m.put(event, expr);
        return new TraceConfig(events, m, stackTriggers, bufferSizeKbPerCpu, expectedEventsPerSecond,
                reorderWindow, subbufKb);
    }

    /** A {@code stacktrace} trigger on {@code event}, firing when {@code filter} matches ("" = always). */
    public TraceConfig withStackTrigger(String event, String filter) {
        Map<String, String> m = new LinkedHashMap<>(stackTriggers);
        m.put(event, filter == null ? "" : filter);
        return new TraceConfig(events, filters, m, bufferSizeKbPerCpu, expectedEventsPerSecond, reorderWindow,
                subbufKb);
    }

    public TraceConfig withBufferSizeKb(int kbPerCpu) {
        return new TraceConfig(events, filters, stackTriggers, kbPerCpu, expectedEventsPerSecond, reorderWindow,
                subbufKb);
    }

    public TraceConfig withExpectedRate(long eventsPerSecond) {
        return new TraceConfig(events, filters, stackTriggers, bufferSizeKbPerCpu, eventsPerSecond, reorderWindow,
                subbufKb);
    }

    /**
     * Also traces task creation and moves between cgroups ({@link #TASK_EVENTS}), for the cgroup resolver. Optional:
     * a kernel without one of them traces the rest ({@link TraceSession} says so once).
     */
    public TraceConfig withTaskEvents() {
        List<String> ev = new ArrayList<>(events);
        for (String e : TASK_EVENTS) {
            if (!ev.contains(e)) {
                ev.add(e);
            }
        }
        return ev.size() == events.size() ? this : withEvents(ev);
    }

    /** {@link #BULK_SUBBUF_KB} unless a sub-buffer size is already set. */
    public TraceConfig withBulkSubbuf() {
        return subbufKb == 0 ? withSubbufKb(BULK_SUBBUF_KB) : this;
    }

    /** Sub-buffer size in KiB (see {@link #subbufKb()}); 0 = the kernel's default. */
    public TraceConfig withSubbufKb(int kb) {
        return new TraceConfig(events, filters, stackTriggers, bufferSizeKbPerCpu, expectedEventsPerSecond,
                reorderWindow, kb);
    }

    public TraceConfig withReorderWindow(Duration d) {
        return new TraceConfig(events, filters, stackTriggers, bufferSizeKbPerCpu, expectedEventsPerSecond, d,
                subbufKb);
    }

    /** The per-CPU buffer size to set: explicit, or rate x bytes x {@link #BUFFER_MILLIS}, within 1 MiB .. 512 MiB. */
    public int effectiveBufferSizeKb() {
        if (bufferSizeKbPerCpu > 0) {
            return bufferSizeKbPerCpu;
        }
        long kb = expectedEventsPerSecond * BYTES_PER_EVENT / 1024 * BUFFER_MILLIS / 1000;
        return (int) Math.max(1024, Math.min(512 * 1024, kb));
    }

    /** How the buffer size was chosen, for the start-up line of every tracing command. */
    public String describeBuffer() {
        String sub = subbufKb > 0 ? String.format(java.util.Locale.ROOT, ", read in %d KiB sub-buffers", subbufKb) : "";
        if (bufferSizeKbPerCpu > 0) {
            return String.format(java.util.Locale.ROOT, "buffer %,d KiB per CPU (--buffer-kb)%s", bufferSizeKbPerCpu,
                    sub);
        }
        return String.format(java.util.Locale.ROOT, "buffer %,d KiB per CPU (%d ms of %,d events/s at %d B each;"
                + " --rate or --buffer-kb to change)%s", effectiveBufferSizeKb(), BUFFER_MILLIS, expectedEventsPerSecond,
                BYTES_PER_EVENT, sub);
    }

    /** Events the decoder must know: the enabled ones plus {@code ftrace/kernel_stack} when stacks are asked for. */
    List<String> schemaEvents() {
        List<String> out = new ArrayList<>(events);
        for (String e : KmemDecoder.EVENT_KEYS) {
            if (e != null && !out.contains(e) && !e.equals("ftrace/kernel_stack")) {
                out.add(e); // decode every known kmem event that exists, whether or not enabled
            }
        }
        for (String twin : KmemDecoder.TWIN_KEYS) {
            out.add(twin); // enabled with its allocation event where the kernel has it (before 6.1)
        }
        out.add("ftrace/kernel_stack");
        return out;
    }
}
