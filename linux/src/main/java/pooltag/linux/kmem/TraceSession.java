package pooltag.linux.kmem;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.ring.PageCursor;
import pooltag.linux.ring.TraceSchema;
import pooltag.linux.tracefs.CpuStats;
import pooltag.linux.tracefs.InstanceOwner;
import pooltag.linux.tracefs.Tracefs;
import pooltag.linux.tracefs.TracefsInstance;

/**
 * One live tracing run in a private tracefs instance: the single entry point for {@code record}, {@code hit},
 * {@code find}, {@code hunt} and {@code kd}.
 *
 * <pre>{@code
 * TraceConfig cfg = TraceConfig.kmem()
 *         .withFilter("kmem/kmem_cache_alloc", "name == \"dentry\"")
 *         .withStackTrigger("kmem/kmem_cache_alloc", "name == \"dentry\"");
 * try (TraceSession s = TraceSession.open(cfg)) {
 *     s.start(consumer);                 // consumer runs on the session's merge thread
 *     s.awaitStopRequest(Duration.ofSeconds(10)); // returns early on SIGINT/SIGTERM
 *     SessionStats st = s.stop();        // drains the kernel buffers, then consumer.onEnd(false)
 * }                                      // close(): teardown, always (also from the shutdown hook)
 * }</pre>
 *
 * <p>Threads: one reader per CPU reads whole sub-buffers from {@code per_cpu/cpuN/trace_pipe_raw} ({@link RawPipe}:
 * on JDK 22+ non-blocking read(2) straight into the page's array and poll(2) until data) into pages from one pool
 * shared by all CPUs and sized by the <em>online</em> CPUs ({@link #PAGES_PER_CPU} each). A reader never waits on
 * the consumer: when the pool is empty it still empties the kernel buffer and drops the page, counting its events as
 * pooltag's backlog ({@link SessionStats#backlogEvents()}), apart from the kernel's loss. Each time a reader finds its
 * buffer empty it records the time, so the merge does not wait for a CPU that has nothing to say.
 * One merge thread decodes, orders by timestamp ({@link EventMerger}) and calls the consumer, so consumers need no
 * locks. Loss: page-header marks, {@code per_cpu/cpuN/stats} (polled each second and at the end) and the backlog
 * are delivered as {@link AllocEventConsumer#onLoss}. One session per process at a time (the instance is named after
 * the process: {@link InstanceOwner}).
 */
public final class TraceSession implements AutoCloseable {
    /**
     * Pool pages per online CPU (16 MiB with 4 KiB pages): what the consumer may fall behind by before the readers drop
     * pages (a stall of ~0.2 s at 1.5 M events/s per CPU). Allocated on demand, so a quiet run uses few.
     */
    static final int PAGES_PER_CPU = 4096;
    /** A reader asleep in poll(2) looks again after this long: bounds how stale its "empty since" time gets. */
    static final int AWAIT_MILLIS = 10;
    /** {@code buffer_percent} for non-blocking readers: 1 % of a 46 MiB buffer is ~115 pages. */
    static final int BUFFER_PERCENT = 1;
    /**
     * A reader wakes the merge thread after this many queued pages, and whenever it finds its buffer empty, not after
     * every page: the merge thread parks between rounds and readers move pages in bursts (up to {@code buffer_percent}
     * of the buffer per wake-up), so waking it per page cost a futex call and a context switch per page for a few
     * microseconds of work each (docs/PERFORMANCE.md). At most this many pages wait for it beyond that, and never
     * longer than its {@value #MERGE_PARK_MILLIS} ms timeout.
     */
    static final int WAKE_MERGE_EVERY = 64;
    /** The merge thread's longest sleep: it ticks (publishing, stats, queries) at least this often. */
    static final int MERGE_PARK_MILLIS = 20;
    /**
     * A spooling session ({@link #startSpooled}) has no consumer to feed while tracing: its readers sleep until the
     * buffer is this full or {@link #SPOOL_AWAIT_MILLIS} passed, and its merge thread, which only ticks and polls the
     * stats until the readers end, parks {@link #SPOOL_PARK_MILLIS}. 10 % of the default 46,875 KiB is ~1,170 pages
     * per wake-up (~40 ms at the peak rate) with 90 % of the buffer left for a late reader; 100 ms keeps the page the
     * kernel is writing, read once per wake-up, well inside a replay's 1 s reorder window. Reason: wake-ups were the
     * spooling readers' largest cost after the moves themselves (docs/PERFORMANCE.md, issue 14, round 4).
     */
    static final int SPOOL_BUFFER_PERCENT = 10;
    static final int SPOOL_AWAIT_MILLIS = 100;
    static final int SPOOL_PARK_MILLIS = 250;
    /** A blocking reader (JDK 21) inside one read for this long is taken as having found its buffer empty. */
    static final long BLOCKED_READ_NANOS = 5_000_000L;
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    private final TraceConfig config;
    private final TracefsInstance instance;
    private final TraceSchema schema;
    private final NameTable names = new NameTable();
    private final KmemDecoder decoder;
    private final int cpus;
    private final int pageSize;
    private final ShutdownHook shutdownHook;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch closedLatch = new CountDownLatch(1);

    private volatile boolean stopping;
    private volatile boolean mergeDead;
    private volatile Throwable failure;
    private RawPipe[] pipes;
    private Thread[] readers;
    /** Readers count down once warmed up ({@link #warmUp}, {@link #warmUpReads}); tracing goes on after, or after a bound. */
    private java.util.concurrent.CountDownLatch warmedUp = new java.util.concurrent.CountDownLatch(0);
    /** {@link #onTracingOn}; null when nothing is announced. */
    private volatile Runnable onTracingOn;
    private Thread mergeThread;
    private EventMerger merger;
    private ArrayBlockingQueue<Page> free;
    /** Pages read, in read order across CPUs; the merge thread polls it and parks when empty ({@link #wakeMerge}). */
    private ArrayBlockingQueue<Page> filled;
    private int poolPages;
    private final AtomicInteger allocatedPages = new AtomicInteger();
    /** Per CPU: when its reader last found the kernel buffer empty (after queueing every page read before). */
    private AtomicLongArray quietSince;
    /** Per CPU, blocking readers only: when the read in progress began (Long.MIN_VALUE: not in a read). */
    private AtomicLongArray readSince;
    /** Per CPU: pages read, reads that found the buffer empty, sleeps until data, pages dropped, events in them. */
    private AtomicLongArray reads;
    private AtomicLongArray emptyReads;
    private AtomicLongArray wakeups;
    private AtomicLongArray backlogPages;
    private AtomicLongArray backlogEvents;
    private long[] backlogReported;
    private final long[] lostReported;
    /** Per CPU, records the kernel handed over that pooltag never walked (set once, at the end of the merge). */
    private final long[] unaccounted;
    /** Events the kernel's stats count as still in its buffers after the drain, all CPUs (set once, at the end). */
    private long leftInKernel;
    /** The kernel's {@code read events} summed over CPUs at the reconciliation; -1 until then. */
    private long kernelRead = -1;
    private volatile SessionStats lastStats;
    /** {@code record}'s spool ({@link #startSpooled}): readers write raw pages here; null for every other run. */
    private PageSpool spool;
    /** Pages the post-stop replay of the spool has handed on so far: stop() and the shutdown hook wait while it grows. */
    private volatile long replayedPages;
    private volatile boolean replaying;
    /** Spool totals, kept after the files are deleted: pages, bytes, and how long the post-stop replay took (-1: none). */
    private volatile long spoolPages;
    private volatile long spoolBytes;
    private volatile long replayNanos = -1;
    private volatile boolean spoolDeleted;
    /** Runs on the merge thread after each merge round; set before start (see {@link #start(AllocEventConsumer, PageSink, Runnable)}). */
    private volatile Runnable tick;
    private boolean started;
    private boolean stopped;
    private boolean closed;
    /** The thread running the first {@link #close()}; later calls from other threads wait for it. */
    private Thread closer;
    /** Every channel ever opened on the instance: all must be closed before rmdir (EBUSY otherwise). */
    private final java.util.List<RawPipe> opened = new java.util.ArrayList<>();

    private TraceSession(TraceConfig config, TracefsInstance instance, ShutdownHook hook) {
        this.config = config;
        this.instance = instance;
        this.shutdownHook = hook;
        try {
            instance.setTracingOn(false);
            if (config.subbufKb() > 0) {
                // before the header page is read (it states the sub-buffer in effect) and before the buffer is sized
                instance.setSubbufKb(config.subbufKb());
            }
            Map<String, String> formats = new LinkedHashMap<>();
            for (String key : config.schemaEvents()) {
                if (instance.hasEvent(key)) {
                    formats.put(key, instance.readEventFile(key, "format"));
                }
            }
            this.schema = TraceSchema.parse(instance.readHeaderPage(), formats, instance.dir().toString());
            this.decoder = new KmemDecoder(schema, names);
            for (String e : config.events()) {
                String why = decoder.unsupported().get(e);
                if (why != null && !TraceConfig.TASK_EVENTS.contains(e)) { // the task events are optional (below)
                    throw new PooltagException("cannot decode " + e + " on this kernel: " + why);
                }
                String twin = instance.presentTwinOf(e);
                String twinWhy = twin == null ? null : decoder.unsupported().get(twin);
                if (twinWhy != null) { // tracing e alone would miss every allocation made for a NUMA node
                    throw new PooltagException("cannot decode " + twin + " on this kernel (" + e + "'s twin for"
                            + " allocations on a given NUMA node): " + twinWhy);
                }
            }
            this.cpus = instance.cpuCount();
            this.pageSize = schema.header().pageSize();
            this.lostReported = new long[cpus];
            this.unaccounted = new long[cpus];
            instance.setTracingOn(false);
            instance.setTraceClock("mono");
            instance.setOverwrite(false);
            instance.setBufferPercent(0);
            instance.setBufferSizeKb(config.effectiveBufferSizeKb());
            for (Map.Entry<String, String> f : config.filters().entrySet()) {
                instance.setFilter(f.getKey(), f.getValue());
            }
            for (Map.Entry<String, String> t : config.stackTriggers().entrySet()) {
                instance.addStackTrigger(t.getKey(), t.getValue());
            }
            for (String e : config.events()) {
                if (TraceConfig.TASK_EVENTS.contains(e)
                        && (!instance.hasEvent(e) || decoder.unsupported().containsKey(e))) {
                    // optional: without them the cgroup of a task born or moved while tracing is read from /proc
                    System.err.println("pooltag: this kernel has no " + e + " event that pooltag can decode: tasks"
                            + " born or moved while tracing are placed in their cgroup from /proc instead");
                    continue;
                }
                instance.enableEvent(e);
            }
            hook.adopt(this);
        } catch (RuntimeException e) {
            closeQuietly(instance, e);
            throw e;
        }
    }

    /** Opens a session on this machine's tracefs (mounting it if needed), removing stale instances first. */
    public static TraceSession open(TraceConfig config) {
        return open(config, Tracefs.locate(), System.err);
    }

    /**
     * The instance is named {@link InstanceOwner#instanceName()} (pid, PID namespace, start time: what a later sweep
     * needs to prove this process dead). The shutdown hook is registered before the instance exists, so a SIGTERM at
     * any point of the setup removes it.
     */
    public static TraceSession open(TraceConfig config, Tracefs tracefs, PrintStream err) {
        ShutdownHook hook = ShutdownHook.register();
        try {
            tracefs.removeStaleInstances(err);
            TracefsInstance instance = hook.create(tracefs, InstanceOwner.current().instanceName());
            return new TraceSession(config, instance, hook);
        } catch (RuntimeException e) {
            hook.unregister();
            throw e;
        }
    }

    /**
     * The JVM shutdown hook of one session, registered before its instance is made. Until the session adopts it, it
     * removes the bare instance; after, it runs {@link #onShutdown}. Making the instance and starting the hook are
     * serialised, so an instance is never made after the hook looked for one.
     */
    private static final class ShutdownHook {
        private final Thread thread = new Thread(this::run, "pooltag-shutdown");
        private TracefsInstance instance;
        private TraceSession session;
        private boolean running;

        static ShutdownHook register() {
            ShutdownHook h = new ShutdownHook();
            Runtime.getRuntime().addShutdownHook(h.thread);
            return h;
        }

        synchronized TracefsInstance create(Tracefs tracefs, String name) {
            if (running) {
                throw new PooltagException("pooltag is shutting down; no tracefs instance made");
            }
            instance = TracefsInstance.create(tracefs, name);
            return instance;
        }

        synchronized void adopt(TraceSession s) {
            if (running) {
                throw new PooltagException("pooltag is shutting down; tracing not started");
            }
            session = s;
        }

        private void run() {
            TraceSession s;
            TracefsInstance in;
            synchronized (this) {
                running = true;
                s = session;
                in = instance;
            }
            if (s != null) {
                s.onShutdown();
            } else if (in != null) {
                try {
                    in.close(); // the setup was interrupted: its next write fails on the closed instance
                } catch (RuntimeException e) {
                    System.err.println("pooltag: " + e.getMessage());
                }
            }
        }

        void unregister() {
            try {
                Runtime.getRuntime().removeShutdownHook(thread);
            } catch (IllegalStateException e) {
                // the JVM is shutting down; the hook is running or done
            }
        }
    }

    private static void closeQuietly(TracefsInstance in, RuntimeException cause) {
        try {
            in.close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    public TraceSchema schema() {
        return schema;
    }

    public TracefsInstance instance() {
        return instance;
    }

    public TraceConfig config() {
        return config;
    }

    public int cpus() {
        return cpus;
    }

    /** Cache names seen so far; {@code names().name(event.cacheId())}. */
    public NameTable names() {
        return names;
    }

    /** The slab cache name of an id from {@link pooltag.core.event.AllocEvent#cacheId()}, or null for -1. */
    public String cacheName(int cacheId) {
        return names.name(cacheId);
    }

    public KmemDecoder decoder() {
        return decoder;
    }

    public void start(AllocEventConsumer consumer) {
        start(consumer, null);
    }

    /**
     * Starts as {@link #start(AllocEventConsumer, PageSink)}, and also runs {@code tick} on the merge thread after each
     * merge round: at most every 20 ms while idle, after each batch of pages while busy, and once after the final
     * {@code onEnd}. A tick runs between events, where the consumer's state is consistent, so it can answer queries
     * about that state for other threads (a console's {@code !poolfind} while tracing goes on) without locks. It must
     * be quick: the merge thread delivers no events while it runs.
     *
     * @param sink may be null
     * @param tick may be null
     */
    public void start(AllocEventConsumer consumer, PageSink sink, Runnable tick) {
        this.tick = tick;
        start(consumer, sink);
    }

    /**
     * What made the session fail (a reader's I/O error, an exception from the consumer); null while healthy. A
     * failed session delivers no more events; {@link #stop()} throws it.
     */
    public Throwable failure() {
        return failure;
    }

    /**
     * Starts the readers and the merge thread, then turns tracing on.
     *
     * @param sink sees every raw page before it is decoded (may be null)
     */
    public synchronized void start(AllocEventConsumer consumer, PageSink sink) {
        start(consumer, sink, false);
    }

    /**
     * Starts a session whose pages go to {@code sink} without being decoded or ordered ({@code record}: the file keeps
     * raw pages in read order and its reader merges them at replay, as trace-cmd's does). The merge thread only walks
     * each page's record headers ({@link EventMerger#countPage}), so the per-kind counts, the malformed and skipped
     * counts and every loss are those a decoding session would report; {@code lossConsumer} gets the losses (page
     * headers, the kernel's stats, pooltag's backlog) and {@code onEnd}, never an event. Reason: decoding and ordering
     * every event cost the recorder most of its merge thread's CPU for nothing it writes.
     */
    public synchronized void startPages(PageSink sink, AllocEventConsumer lossConsumer) {
        start(lossConsumer, java.util.Objects.requireNonNull(sink, "sink"), true, null);
    }

    /**
     * As {@link #startPages(PageSink, AllocEventConsumer, Runnable)}, but nothing reaches {@code sink} while tracing:
     * each reader moves whole raw pages from the kernel into its CPU's spool file ({@link PageSpool}, files
     * {@code spoolPrefix.cpuN} and {@code .cpuN.idx}, made here, 0600), {@value PageSpool#BATCH} pages per write, with
     * no per-page work beyond the read and no per-event work at all. Once tracing stopped and every reader drained,
     * the merge thread reads the spool back in read order and hands each page to {@code sink} and to the same count
     * as {@link #startPages} ({@link EventMerger#countPage}): the per-kind counts, the malformed and skipped counts and
     * every loss (page headers, the kernel's stats, the end-of-run reconciliation) are the same, only later. The
     * spool is deleted after that replay, and after a failure. {@code tick} runs while tracing as for any session
     * (its sink must not write pages' neighbours then: see {@code RecordingSink.deferSamples}) and after the end.
     * Reason: compressing while tracing cost {@code record} about half its CPU during the traced workload
     * (docs/PERFORMANCE.md, issue 14); trace-cmd too moves raw pages while tracing and compresses afterwards.
     *
     * @throws PooltagException a spool file exists or cannot be created (nothing is started then)
     */
    public synchronized void startSpooled(java.nio.file.Path spoolPrefix, PageSink sink,
                                          AllocEventConsumer lossConsumer, Runnable tick) {
        this.tick = tick;
        start(lossConsumer, java.util.Objects.requireNonNull(sink, "sink"), true,
                java.util.Objects.requireNonNull(spoolPrefix, "spoolPrefix"));
    }

    /** Pages spooled while tracing (a spooled session's; 0 otherwise). */
    public long spoolPages() {
        return spool == null ? 0 : Math.max(spoolPages, spool.pages());
    }

    /** Bytes the spool files held at the end (pages and index), 0 when not spooled. */
    public long spoolBytes() {
        return spool == null ? 0 : Math.max(spoolBytes, spool.bytes());
    }

    /**
     * Why a spooled session stopped spooling before it was asked to: the first full-disk refusal
     * ("writing FILE.spool.cpu1: No space left on device"); null when none (or not spooled).
     */
    public String diskFull() {
        return spool == null ? null : spool.fullCause();
    }

    /** Pages a full disk kept out of the spool (read from the kernel, not kept); 0 when none or not spooled. */
    public long spoolDroppedPages() {
        return spool == null ? 0 : spool.droppedPages();
    }

    /**
     * Spool bytes not yet handed to the sink (for {@code record}: not yet compressed into its file): the whole spool
     * until its replay starts (still growing while tracing), less the share of its pages replayed since; 0 once the
     * spool is gone, or for a session that does not spool. Any thread.
     */
    public long spoolBytesLeft() {
        if (spool == null || spoolDeleted) {
            return 0;
        }
        long pages = spoolPages();
        long bytes = spoolBytes();
        if (pages == 0) {
            return bytes;
        }
        return bytes - (long) (bytes * ((double) Math.min(replayedPages, pages) / pages));
    }

    /** True once every spool file is gone (after the replay, or the teardown); false while any is left. */
    public boolean spoolDeleted() {
        return spoolDeleted;
    }

    /** How long the post-stop replay of the spool (into the sink: compression and writing) took; -1 when none ran. */
    public long spoolReplayNanos() {
        return replayNanos;
    }

    /** As {@link #startPages(PageSink, AllocEventConsumer)}, with {@code tick} run as {@link #start(AllocEventConsumer, PageSink, Runnable)} runs it. */
    public synchronized void startPages(PageSink sink, AllocEventConsumer lossConsumer, Runnable tick) {
        this.tick = tick;
        startPages(sink, lossConsumer);
    }

    private synchronized void start(AllocEventConsumer consumer, PageSink sink, boolean pagesOnly) {
        start(consumer, sink, pagesOnly, null);
    }

    private synchronized void start(AllocEventConsumer consumer, PageSink sink, boolean pagesOnly,
                                    java.nio.file.Path spoolPrefix) {
        if (started) {
            throw new IllegalStateException("session already started");
        }
        if (closed) {
            throw new IllegalStateException("session closed");
        }
        if (spoolPrefix != null) {
            spool = PageSpool.create(spoolPrefix, cpus, pageSize); // before anything starts: an error starts nothing
        }
        started = true;
        // the pool holds PAGES_PER_CPU 4 KiB pages' worth of bytes per CPU whatever the sub-buffer size
        poolPages = Math.max(64, pooltag.linux.procfs.Cpus.online() * poolPagesPerCpu(pageSize));
        free = new ArrayBlockingQueue<>(poolPages);
        filled = new ArrayBlockingQueue<>(poolPages + cpus + 1); // every pool page plus one end marker per CPU
        quietSince = new AtomicLongArray(cpus);
        readSince = new AtomicLongArray(cpus);
        reads = new AtomicLongArray(cpus);
        emptyReads = new AtomicLongArray(cpus);
        wakeups = new AtomicLongArray(cpus);
        backlogPages = new AtomicLongArray(cpus);
        backlogEvents = new AtomicLongArray(cpus);
        backlogReported = new long[cpus];
        pipes = new RawPipe[cpus];
        for (int c = 0; c < cpus; c++) {
            quietSince.set(c, Long.MIN_VALUE);
            readSince.set(c, Long.MIN_VALUE);
            pipes[c] = openRaw(c);
        }
        if (pipes[0].tellsEmpty()) {
            // poll(2) then wakes a reader when its buffer is this full (or at AWAIT_MILLIS), not at every event: the
            // reader moves full pages, few wake-ups, few partial-page copies; its "empty since" mark stays fresh
            // through the timeout. A blocking reader (JDK 21) keeps 0: its read wakes on the first event.
            instance.setBufferPercent(spool != null ? SPOOL_BUFFER_PERCENT : BUFFER_PERCENT);
        }
        // a spool's replay reuses one page (no pool): nothing to recycle
        merger = newMerger(decoder, spool != null ? null : free, poolPages);
        readers = new Thread[cpus];
        warmedUp = new java.util.concurrent.CountDownLatch(cpus);
        for (int c = 0; c < cpus; c++) {
            final int cpu = c;
            readers[c] = new Thread(() -> {
                if (spool != null) {
                    spoolLoop(cpu);
                } else {
                    readLoop(cpu);
                }
            }, "pooltag-cpu" + c);
            readers[c].setDaemon(true);
        }
        mergeThread = new Thread(() -> mergeLoop(consumer, sink, pagesOnly), "pooltag-merge");
        mergeThread.setDaemon(true);
        mergeThread.start();
        for (Thread t : readers) {
            t.start();
        }
        try {
            warmedUp.await(WARM_UP_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // trace at once: a warm-up saves CPU, it is not needed
        }
        Runnable announce = onTracingOn;
        if (announce != null) {
            announce.run();
        }
        instance.setTracingOn(true);
    }

    /**
     * Runs {@code announce} once, on the starting thread, after every warm-up and just before tracing goes on: where
     * a command says that it traces. Users start their workload on that word, so it must not come while the merge
     * path compiles (about a second) with nothing traced yet; no event can be delivered before it either.
     */
    public void onTracingOn(Runnable announce) {
        this.onTracingOn = announce;
    }

    /**
     * The merger of a session, and of its warm-up ({@link #warmUpMerge}): one construction, so the warm-up's merger
     * is the live one's in every class the JIT sees (its page recycler included).
     *
     * @param recycle where read pages go back to, null for none (a spool's replay reuses one page)
     */
    private EventMerger newMerger(KmemDecoder decoder, ArrayBlockingQueue<Page> recycle, int pages) {
        EventMerger m = new EventMerger(cpus, schema.header(), decoder, config.reorderWindow().toNanos(),
                recycle == null ? p -> { } : recycle::offer);
        // a CPU that stays silent (its reader stuck) holds the merge for at most half the pool
        m.setMaxPendingPages(Math.max(16, pages / 2));
        return m;
    }

    /**
     * Runs the merge path over made-up pages before {@link #start} ({@link MergeWarmUp}): a merger and a decoder
     * made as the session's are (its names untouched), driven by {@code scratch}'s consumers; nothing reaches the
     * session's own merger, pool or counters.
     */
    public MergeWarmUp.Result warmUpMerge(java.util.function.Supplier<MergeWarmUp.Scratch> scratch, long[] callSites,
                                          int events) {
        if (started) {
            throw new IllegalStateException("the warm-up must run before the session starts");
        }
        ArrayBlockingQueue<Page> spare = new ArrayBlockingQueue<>(MergeWarmUp.PAGES_IN_FLIGHT * cpus + cpus);
        // a merger and a decoder with empty names for each scratch consumer: names are new at a session's start
        return MergeWarmUp.run(() -> newMerger(new KmemDecoder(schema, new NameTable()), spare,
                MergeWarmUp.PAGES_IN_FLIGHT * cpus), spare, schema.header(), cpus, scratch, callSites, events, true);
    }

    /** Pool pages per online CPU for pages of {@code pageSize} bytes: {@link #PAGES_PER_CPU} 4 KiB pages' worth. */
    static int poolPagesPerCpu(int pageSize) {
        return (int) Math.max(1, (long) PAGES_PER_CPU * 4096 / Math.max(4096, pageSize));
    }

    /** Bytes per page (one kernel sub-buffer), from the instance's header page. */
    public int pageSize() {
        return pageSize;
    }

    /** Pages in the pool (all CPUs together), set at start. */
    public int poolPages() {
        return poolPages;
    }

    /**
     * A pipe on {@code cpu}'s buffer, kept in {@link #opened} so that teardown closes it before removing the instance,
     * even when a second signal ends the run first. Package-private for the bench's one-thread floor, which reads
     * the CPUs itself.
     */
    RawPipe openRaw(int cpu) {
        try {
            RawPipe ch = RawPipe.open(instance.perCpuFile(cpu, "trace_pipe_raw"));
            synchronized (opened) {
                opened.add(ch);
            }
            return ch;
        } catch (IOException e) {
            throw new PooltagException("cannot open " + instance.perCpuFile(cpu, "trace_pipe_raw") + ": "
                    + e.getMessage(), e);
        }
    }

    /** Marks the end of a CPU's stream in the filled queue. */
    private static Page endMarker(int cpu) {
        Page p = new Page(0);
        p.cpu = cpu;
        p.length = -1;
        return p;
    }

    private void readLoop(int cpu) {
        RawPipe pipe = pipes[cpu];
        Page spare = null;
        PageCursor counter = null;
        int unwoken = 0; // pages queued since this reader last woke the merge thread
        // WAKE_MERGE_EVERY 4 KiB pages' worth of bytes, whatever the sub-buffer size
        int wakeMergeEvery = Math.max(1, WAKE_MERGE_EVERY * 4096 / Math.max(4096, pageSize));
        // A read that returns a page short of full is (almost always) the page the kernel is still writing, taken as far
        // as it is committed; the reader waits for data (poll(2)) before reading again, for two reasons.
        // 1. The kernel's reader strands events when it is asked again at once: a read that finds its page consumed
        //    while the writer commits to that page and leaves it recycles the page with those events unread, and no
        //    counter but the buffer's entry count says so (docs/ENGINE.md, "Events the kernel strands"). Reading at
        //    once after a partial page made that read on every burst; after the wait the writer has either left the
        //    page (its commit is final) or added to it (the read takes the rest), and the race needs neither.
        //    It makes the loss rarer, not impossible (the reconciliation counts what is left): with a C reader making
        //    pooltag's reads in 30 s storms (bench/strand), events were stranded in 3 of 12 runs reading at once (2,
        //    14, 24 events) and in 1 of 10 waiting first (1 event); in 60 s storms under mon, in 4 of 17 runs before
        //    (1 to 31 events) and in 0 of 10 after. Pages also come fuller: 60 events a page instead of 43.
        // 2. With sub-buffers larger than a page, reading again at once cut the page into slivers (a pool page each
        //    for a few events: at 64 KiB, 246 events a page instead of ~900, and the pages pending for the merge
        //    reached its cap, forcing deliveries out of order).
        // A misjudged page only costs that wait (at most AWAIT_MILLIS): nothing is marked quiet by it.
        boolean pauseOnPartial = pipe.tellsEmpty();
        try {
            try {
                warmUpReads(pipe, cpu);
            } finally {
                warmedUp.countDown();
            }
            while (!stopping && !mergeDead) {
                Page p = takeFree();
                boolean drop = p == null;
                if (drop) { // the consumer is behind by the whole pool: keep the kernel buffer moving, count the drop
                    if (spare == null) {
                        spare = new Page(pageSize);
                        counter = new PageCursor(schema.header(), "cpu" + cpu + " dropped page");
                    }
                    p = spare;
                }
                long t = System.nanoTime();
                int n = readPage(pipe, p, cpu, t);
                if (n > 0) {
                    if (drop) {
                        backlogPages.incrementAndGet(cpu);
                        backlogEvents.addAndGet(cpu, countRecords(counter, p.data, n));
                    } else {
                        filled.put(stamp(p, n, cpu, t));
                        // blocking readers (JDK 21) never learn that a burst ended: they wake the merge per page
                        if (++unwoken >= wakeMergeEvery || !pipe.tellsEmpty()) {
                            wakeMerge();
                            unwoken = 0;
                        }
                        if (pauseOnPartial && partial(p.data, n)) {
                            // caught up with the kernel's writer: wait for more before reading it again (no quiet
                            // mark: only an EMPTY read proves the CPU had nothing more)
                            if (unwoken > 0) {
                                wakeMerge();
                                unwoken = 0;
                            }
                            wakeups.incrementAndGet(cpu);
                            pipe.await(AWAIT_MILLIS);
                        }
                    }
                    continue;
                }
                if (!drop) {
                    free.offer(p);
                }
                if (unwoken > 0) { // the burst is over: whatever it queued is for the merge now
                    wakeMerge();
                    unwoken = 0;
                }
                // every page read before this look is queued: nothing this CPU writes later is stamped before t
                sleepUntilData(pipe, cpu, n, t);
            }
        } catch (ClosedChannelException e) {
            // stop() closed a blocking pipe to wake this reader; drain below
        } catch (IOException e) {
            readFailed(cpu, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (stopping && !mergeDead) {
                drain(cpu);
            }
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = new PooltagException("draining cpu" + cpu + ": " + e.getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            endStream(cpu);
        }
    }

    /**
     * A spooling reader ({@link #startSpooled}): moves whole pages into its CPU's spool file, by splice(2) where the
     * pipe can ({@link RawPipe#splicer}: up to {@value PageSpool#BATCH} filled pages per call, no copy through user
     * space; the page the kernel is still writing is read, once per wake-up), else by read(2) into the spool's direct
     * buffer and one write(2) per {@value PageSpool#BATCH} pages;
     * nothing per event, nothing queued for the merge thread but the end marker. A full disk (ENOSPC, EDQUOT) does not
     * fail the session: this reader keeps what its spool holds, stops spooling, and asks the session to stop as SIGINT
     * does ({@link #diskFull}); the pages it could not keep are counted ({@link #spoolDroppedPages}), their events
     * by the end-of-run reconciliation, and what stays in the kernel's buffer as left unread. Any other failed spool
     * write fails the session with its one-line message.
     */
    private void spoolLoop(int cpu) {
        RawPipe pipe = pipes[cpu];
        PageSpool.Writer w = spool.writer(cpu);
        RawPipe.PageMover mover = null;
        try {
            try {
                // -Dpooltag.noSplice=true: read(2) and write(2) only (the measurement of splice against them)
                mover = Boolean.getBoolean("pooltag.noSplice") ? null
                        : pipe.splicer(w.pagesPath(), PageSpool.BATCH, pageSize);
            } catch (IOException e) {
                mover = null; // this kernel or file cannot splice: read(2) and write(2) instead
            }
            try {
                warmUp(pipe, mover, w, cpu);
            } finally {
                warmedUp.countDown();
            }
            boolean partialRead = false; // since the last sleep
            while (!stopping && !mergeDead && failure == null) {
                long t = System.nanoTime();
                int n = spoolOnce(pipe, mover, w, cpu, t);
                if (n > 0) {
                    continue;
                }
                if (mover != null && n == RawPipe.EMPTY && !partialRead) {
                    // No filled page: read the one the kernel is writing, once per wake-up, as a reading session
                    // does. Its events must not wait in the kernel until it fills (minutes on a quiet CPU): a replay
                    // orders pages by read time. Once only: reading again at once would take the page in slivers
                    // while the kernel writes it (measured: 17 events a page instead of 64, and 10x the CPU).
                    n = readOnce(pipe, w, cpu, t);
                    if (n > 0) {
                        partialRead = true;
                        // Wait before the next look, as a reading session does after a partial page: asking the
                        // kernel's reader again at once while the writer may be leaving that page strands events
                        // (readLoop, docs/ENGINE.md). Then splice what it filled since.
                        wakeups.incrementAndGet(cpu);
                        pipe.await(SPOOL_AWAIT_MILLIS);
                        continue;
                    }
                }
                partialRead = false;
                sleepUntilData(pipe, cpu, n, t);
            }
        } catch (ClosedChannelException e) {
            // stop() closed a blocking pipe to wake this reader; drain below
        } catch (IOException e) {
            readFailed(cpu, e);
        } catch (DiskFullException e) {
            requestStop(); // the disk is full: stop as on a signal, keep what is spooled
        } catch (PooltagException e) {
            if (failure == null) {
                failure = e; // the spool could not be written
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (stopping && !mergeDead && failure == null && !w.full()) {
                drainToSpool(cpu, mover, w);
            }
            w.flush();
        } catch (DiskFullException e) {
            requestStop(); // counted by the writer; what the drain could not move stays in the kernel, counted there
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e instanceof PooltagException pe ? pe
                        : new PooltagException("draining cpu" + cpu + ": " + e.getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (mover != null) {
                try {
                    mover.close();
                } catch (IOException ignored) {
                    // its descriptors are gone either way
                }
            }
            endStream(cpu);
        }
    }

    /**
     * The splice(2) a spooling reader makes on every wake-up, made {@value #WARM_UP_CALLS} times before tracing is
     * turned on ({@link #start} waits for it), while the buffer is empty: the JIT compiles the call and the
     * foreign-function stubs behind it before the traced workload needs the CPUs, not while it runs (measured: C1 was a
     * third of {@code record}'s CPU during the workload; docs/PERFORMANCE.md "record, round 7"). Before tracing, so
     * the kernel's allocations for these calls (a splice allocates page references whenever the buffer holds entries)
     * are not in the recording. Each call is a real one: one that finds data ends the warm-up, and what it moved is
     * in the spool like any later move.
     */
    private void warmUp(RawPipe pipe, RawPipe.PageMover mover, PageSpool.Writer w, int cpu) throws IOException {
        for (int i = 0; mover != null && i < WARM_UP_CALLS && !stopping; i++) {
            if (spoolOnce(pipe, mover, w, cpu, System.nanoTime()) != RawPipe.EMPTY) {
                return;
            }
        }
    }

    /**
     * {@link #warmUp} for a reading (not spooling) reader: its read(2), {@value #WARM_UP_CALLS} times on the empty
     * buffer before tracing is on. Compiled before the workload, and the kernel's one allocation for the open file's
     * spare page ({@code ring_buffer_alloc_read_page}, kept while the file is open) is made before tracing: a hunt
     * armed stack triggers on pooltag's own reader for that allocation (seen in the README's idle hunt, round 7). A
     * read that finds data (none is expected: tracing is off) goes to the merge as any other.
     */
    private void warmUpReads(RawPipe pipe, int cpu) throws IOException, InterruptedException {
        if (!pipe.tellsEmpty()) {
            return; // a blocking reader (JDK 21) would wait for the first event
        }
        Page p = takeFree();
        if (p == null) {
            return;
        }
        for (int i = 0; i < WARM_UP_CALLS && !stopping; i++) {
            long t = System.nanoTime();
            int n = readPage(pipe, p, cpu, t);
            if (n > 0) {
                filled.put(stamp(p, n, cpu, t));
                wakeMerge();
                return;
            }
            if (n == RawPipe.EOF) {
                break;
            }
        }
        free.offer(p);
    }

    /**
     * One read(2) of a sub-buffer into {@code p}, started at {@code t}: marked in flight for the merge
     * ({@link #readSince}) while it runs, counted when it returned data. Bytes read, {@link RawPipe#EMPTY} or
     * {@link RawPipe#EOF}.
     */
    private int readPage(RawPipe pipe, Page p, int cpu, long t) throws IOException {
        readSince.set(cpu, t);
        int n = pipe.read(p.data, pageSize);
        readSince.set(cpu, Long.MIN_VALUE);
        if (n > 0) {
            reads.incrementAndGet(cpu);
        }
        return n;
    }

    /** Above C1's compile threshold (200 calls; 2,000 with loops): a few milliseconds of empty splices or reads. */
    public static final int WARM_UP_CALLS = 2_500;
    /** Readers still in their warm-up; 0 once {@link #start} returned, unless the warm-up outlasted its bound. */
    public long readersWarmingUp() {
        return warmedUp.getCount();
    }

    /** The longest {@link #start} waits for the warm-up (a reader stalled in it must not hold tracing off). */
    static final int WARM_UP_WAIT_MILLIS = 1_000;

    /**
     * One move into the spool (a method of its own so the JIT compiles it: the loop around it is entered once and
     * would run interpreted): bytes moved, {@link RawPipe#EMPTY} or {@link RawPipe#EOF}.
     */
    private int spoolOnce(RawPipe pipe, RawPipe.PageMover mover, PageSpool.Writer w, int cpu, long t)
            throws IOException {
        if (mover != null) {
            int n;
            try {
                n = mover.move(w.pagesEnd());
            } catch (DiskFullException e) {
                reads.incrementAndGet(cpu);
                w.spliceRefused(e, t); // keeps what reached the file, counts the rest, throws e on
                throw e;
            }
            if (n > 0) {
                reads.incrementAndGet(cpu);
                w.spliced(n, t);
            }
            return n;
        }
        int n = pipe.read(w.buffer(), w.slot(), pageSize);
        if (n > 0) {
            reads.incrementAndGet(cpu);
            w.commit(n, t);
        }
        return n;
    }

    /** A splicing reader's read(2) of the page the kernel has not filled: written at once (later splices go after). */
    private int readOnce(RawPipe pipe, PageSpool.Writer w, int cpu, long t) throws IOException {
        int n = pipe.read(w.buffer(), w.slot(), pageSize);
        if (n > 0) {
            reads.incrementAndGet(cpu);
            w.commit(n, t);
            w.flushPages();
        }
        return n;
    }

    /**
     * {@link #drain} for a spooling reader: what the kernel still holds for this CPU goes to its spool (filled pages
     * spliced, the last, partial one read, as while tracing).
     */
    private void drainToSpool(int cpu, RawPipe.PageMover mover, PageSpool.Writer w)
            throws IOException, InterruptedException {
        // tracing is off: nothing grows while this runs, so reading until empty takes no page in slivers
        drainWith(cpu, (pipe, guard) -> {
            long t = System.nanoTime();
            return spoolOnce(pipe, mover, w, cpu, t) > 0 || (mover != null && readOnce(pipe, w, cpu, t) > 0);
        });
    }

    /**
     * After every reader ended: hands the spooled pages to {@code sink} and counts them, in read order, then deletes
     * the spool (also when this fails). Skipped after a failure (the session ends with it; the spool is deleted).
     */
    private void replaySpool(PageSink sink, AllocEventConsumer consumer) throws IOException {
        long t0 = System.nanoTime();
        spoolPages = spool.pages();
        spoolBytes = spool.bytes();
        replaying = true;
        try {
            if (failure != null) {
                return;
            }
            try (PageSpool.Replay r = spool.replay()) {
                Page p = new Page(pageSize);
                long n = 0;
                while (r.next(p)) {
                    sink.onPage(p);
                    merger.countPage(p, consumer);
                    replayedPages = ++n;
                }
            }
            replayNanos = System.nanoTime() - t0;
        } finally {
            replaying = false;
            spoolDeleted = spool.delete();
        }
    }

    /**
     * A reader found its buffer empty ({@code n} = {@link RawPipe#EMPTY}) or tracing not on yet ({@link RawPipe#EOF})
     * at {@code t}: records the time, then sleeps until data (poll(2), at most {@link #AWAIT_MILLIS}) or 5 ms.
     */
    private void sleepUntilData(RawPipe pipe, int cpu, int n, long t) throws IOException, InterruptedException {
        quietSince.set(cpu, t);
        if (n == RawPipe.EMPTY) {
            emptyReads.incrementAndGet(cpu);
            wakeups.incrementAndGet(cpu);
            pipe.await(spool != null ? SPOOL_AWAIT_MILLIS : AWAIT_MILLIS);
        } else {
            Thread.sleep(5); // EOF: tracing not on yet (before start) and the buffer empty
        }
    }

    /** A reader's I/O error while tracing fails the session (after the stop, a closed pipe is the stop's doing). */
    private void readFailed(int cpu, IOException e) {
        if (!stopping) {
            failure = new PooltagException("reading " + instance.perCpuFile(cpu, "trace_pipe_raw") + ": "
                    + e.getMessage(), e);
        }
    }

    /** A reader's last act: the end marker of its CPU's stream, and a wake-up for the merge thread to see it. */
    private void endStream(int cpu) {
        try {
            filled.put(endMarker(cpu));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        wakeMerge();
    }

    private Page stamp(Page p, int length, int cpu, long readNanos) {
        p.length = length;
        p.cpu = cpu;
        p.readNanos = readNanos;
        p.sourceOffset = -1;
        return p;
    }

    /**
     * Bytes a sub-buffer the writer has left may still have unused at its end: a record that did not fit (kmem records
     * are under 128 bytes, a kernel stack of 64 frames 528). A page with more room than this was read while the kernel
     * was writing it.
     */
    static final int FULL_PAGE_SLACK = 1024;

    /** True when the page read ({@code n} bytes) is short of a full sub-buffer: the one the kernel is writing. */
    private boolean partial(byte[] data, int n) {
        pooltag.linux.ring.HeaderPage h = schema.header();
        if (n < h.dataOffset()) {
            return true;
        }
        long commit = h.commitSize() == 8 ? pooltag.linux.ring.Le.i64(data, h.commitOffset())
                : pooltag.linux.ring.Le.u32(data, h.commitOffset());
        return (commit & pooltag.linux.ring.HeaderPage.COMMIT_SIZE_MASK) + FULL_PAGE_SLACK < h.dataSize();
    }

    /** Records in a page (a dropped page's events, for the backlog count); a broken page counts what precedes the break. */
    private static long countRecords(PageCursor c, byte[] data, int length) {
        long n = 0;
        try {
            c.load(data, 0, length, 0);
            while (c.next()) {
                n++;
            }
        } catch (DecodeException e) {
            // counted up to the break
        }
        return n;
    }

    /**
     * After tracing is off: read what the kernel still holds for this CPU ({@link #drainWith}). Waits for pool pages
     * here (the kernel writes nothing more).
     */
    private void drain(int cpu) throws IOException, InterruptedException {
        drainWith(cpu, (pipe, guard) -> {
            Page p = waitFree();
            if (p == null) {
                return false;
            }
            long t = System.nanoTime();
            int n = pipe.read(p.data, pageSize);
            if (n <= 0) {
                free.offer(p);
                return false;
            }
            reads.incrementAndGet(cpu);
            filled.put(stamp(p, n, cpu, t));
            if ((guard & (WAKE_MERGE_EVERY - 1)) == WAKE_MERGE_EVERY - 1) {
                wakeMerge(); // the drain may wait on pool pages only the merge thread frees
            }
            return true;
        });
    }

    /** One step of a drain: takes what {@code pipe} holds now; false when it is done. */
    @FunctionalInterface
    private interface DrainStep {
        boolean take(RawPipe pipe, int step) throws IOException, InterruptedException;
    }

    /**
     * Runs {@code step} over this CPU's pipe until it is done or the kernel holds nothing more for the CPU: a
     * non-blocking pipe answers EMPTY once drained; a blocking one (closed by stop() to wake its reader, so reopened
     * here) answers 0 (EOF) on an empty buffer while tracing is off, and {@code entries} in the stats file counts the
     * unread events: stop at either.
     */
    private void drainWith(int cpu, DrainStep step) throws IOException, InterruptedException {
        RawPipe pipe = pipes[cpu];
        boolean reopened = !pipe.tellsEmpty(); // stop() closed the blocking pipe to wake its reader
        if (reopened) {
            pipe = openRaw(cpu);
            pipes[cpu] = pipe; // stop() may close it if this drain runs past its deadline
        }
        try {
            for (int guard = 0; guard < 1 << 20 && !mergeDead; guard++) {
                if (!pipe.tellsEmpty() && instance.cpuStats(cpu).entries() == 0) {
                    return;
                }
                if (!step.take(pipe, guard)) {
                    return;
                }
            }
        } catch (ClosedChannelException e) {
            // deadline passed; what is left is counted at the reconciliation, as left in the kernel's buffer
        } finally {
            if (reopened) {
                pipe.close();
            }
        }
    }

    /** Ends the merge thread's park early (a no-op while it is running; it then finds the pages without sleeping). */
    private void wakeMerge() {
        Thread m = mergeThread;
        if (m != null) {
            LockSupport.unpark(m);
        }
    }

    /** A pool page without waiting: a recycled one, a new one while the pool is under its size, else null. */
    private Page takeFree() {
        Page p = free.poll();
        if (p != null) {
            return p;
        }
        if (allocatedPages.incrementAndGet() <= poolPages) {
            return new Page(pageSize);
        }
        allocatedPages.decrementAndGet();
        return null;
    }

    private Page waitFree() throws InterruptedException {
        while (!mergeDead) {
            Page p = takeFree();
            if (p == null) {
                p = free.poll(100, TimeUnit.MILLISECONDS);
            }
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** @param pagesOnly hand pages to {@code sink} and count them; decode and order nothing (see {@link #startPages}) */
    private void mergeLoop(AllocEventConsumer consumer, PageSink sink, boolean pagesOnly) {
        int ended = 0;
        long nextStats = System.nanoTime() + 1_000_000_000L;
        long[] quiet = new long[cpus];
        try {
            while (ended < cpus) {
                // read the readers' "empty since" marks BEFORE taking their pages: a mark is set only after every
                // page read before it was queued, so once the queue below is drained the marks are safe bounds
                long now0 = System.nanoTime();
                for (int c = 0; c < cpus; c++) {
                    long since = readSince.get(c);
                    long q = quietSince.get(c);
                    if (since != Long.MIN_VALUE && !pipes[c].tellsEmpty() && now0 - since >= BLOCKED_READ_NANOS) {
                        q = Math.max(q, since); // a blocking read waiting that long found the buffer empty
                    }
                    quiet[c] = q;
                }
                Page p = filled.poll();
                if (p == null) {
                    // readers unpark this thread after a burst or WAKE_MERGE_EVERY pages; an unpark that came before
                    // the park makes it return at once, so no wake-up is lost
                    LockSupport.parkNanos(this, (spool != null ? SPOOL_PARK_MILLIS : MERGE_PARK_MILLIS) * 1_000_000L);
                    p = filled.poll();
                }
                while (p != null) {
                    if (p.length < 0) {
                        ended++;
                    } else if (pagesOnly) {
                        sink.onPage(p);
                        merger.countPage(p, consumer);
                    } else {
                        if (sink != null) {
                            sink.onPage(p);
                        }
                        merger.addPage(p);
                    }
                    p = filled.poll();
                }
                long now = System.nanoTime();
                // Non-blocking readers say when their CPU was empty, so the wall-clock window is not needed, and it
                // would misorder after a stall (a GC pause, the machine's load): the CPU whose reader runs first
                // would pass the window while the other's pages are still in the kernel. The merge's page cap
                // bounds a reader that stays stuck. Blocking readers (JDK 21) keep the window.
                long horizon = pipes[0].tellsEmpty() ? Long.MIN_VALUE / 2 : now;
                merger.emit(horizon, quiet, false, consumer);
                Runnable t = tick;
                if (t != null) {
                    t.run();
                }
                if (now >= nextStats) {
                    pollStats(consumer);
                    publishStats();
                    nextStats = now + 1_000_000_000L;
                }
            }
            if (spool != null) {
                replaySpool(sink, consumer);
            }
            merger.emit(Long.MAX_VALUE, true, consumer);
            pollStats(consumer);
            reconcile(consumer);
            publishStats();
            consumer.onEnd(false);
            Runnable t = tick;
            if (t != null) {
                t.run();
            }
        } catch (Throwable t) {
            failure = t;
            mergeDead = true;
            if (spool != null) {
                spool.delete(); // the readers see mergeDead and stop writing; their files go with the failure
            }
            for (RawPipe ch : pipes) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing only wakes the readers so they exit
                }
            }
        }
    }

    private void pollStats(AllocEventConsumer consumer) {
        for (int c = 0; c < cpus; c++) {
            long b = backlogEvents.get(c);
            if (b > backlogReported[c]) { // pooltag's own loss: the ledger must know, like the kernel's
                consumer.onLoss(c, b - backlogReported[c]);
                backlogReported[c] = b;
            }
        }
        for (int c = 0; c < cpus; c++) {
            CpuStats s = instance.cpuStats(c);
            long lost = s.lost();
            if (lost > lostReported[c]) {
                consumer.onLoss(c, lost - lostReported[c]);
                lostReported[c] = lost;
            }
        }
    }

    /**
     * pooltag's own check that it dropped nothing silently: once every reader has drained and every page is merged,
     * the kernel's {@code read events} of each CPU (the records its ring buffer handed to our reads) must equal the
     * records pooltag walked there plus those in pages it dropped as backlog. A shortfall is a loss nothing else saw
     * (a page lost between reader and merge, a record chain cut short by a broken page): reported to the consumer
     * like the kernel's, and printed as "unaccounted". Counts of a CPU whose stats cannot be read are left alone.
     *
     * <p>The same look finds what the kernel counted into its buffer and no read returned: {@code entries} after a
     * drain with tracing off must be 0. It is not when the kernel's reader stranded events (a race between a read that
     * finds its page consumed and a writer that commits to that page and leaves it in between: the reader then
     * recycles the page with those events on it, and its entry count stays above what any read can return; measured
     * here in a quarter of 60 s storms, 1 to 31 events a run, and reproduced without pooltag by a C reader making the
     * same reads; see docs/ENGINE.md) or when a drain ran out of time. Those events are lost: counted, per CPU,
     * and reported to the consumer.
     */
    private void reconcile(AllocEventConsumer consumer) {
        long read = 0;
        for (int c = 0; c < cpus; c++) {
            CpuStats s = instance.cpuStats(c);
            if (s.read() < 0) {
                continue;
            }
            read += s.read();
            long missing = s.read() - merger.records(c) - backlogEvents.get(c);
            if (missing > 0) {
                unaccounted[c] = missing;
                consumer.onLoss(c, missing);
            }
            if (s.entries() > 0) {
                leftInKernel += s.entries();
                consumer.onLoss(c, s.entries());
            }
        }
        kernelRead = read;
    }

    private void publishStats() {
        long[] kinds = new long[KmemDecoder.KINDS];
        for (int k = 0; k < kinds.length; k++) {
            kinds[k] = merger.events(k);
        }
        lastStats = new SessionStats(merger.pages(), kinds, merger.otherEvents(), merger.malformedRecords(),
                merger.skippedPages(), merger.outOfOrder(), merger.maxLatenessNanos(), merger.lostCounted(), merger.lostFlaggedPages(),
                lostReported.clone(), sum(backlogPages), sum(backlogEvents), SessionStats.sum(unaccounted),
                leftInKernel,
                kernelRead, merger.forcedDeliveries(),
                sum(reads), sum(emptyReads), sum(wakeups), instance.bufferSizeKb(), poolPages, pageSize,
                pipes.length > 0 && pipes[0].tellsEmpty());
    }

    private static long sum(AtomicLongArray a) {
        long s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += a.get(i);
        }
        return s;
    }

    /** Counters as of the last second (or the end of the run); null before the first second. */
    public SessionStats stats() {
        return lastStats;
    }

    /** Asks {@link #awaitStopRequest} to return (also done by SIGINT/SIGTERM through the shutdown hook). */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** Waits until the duration passes or a stop is requested; true when a stop was requested. */
    public boolean awaitStopRequest(Duration d) throws InterruptedException {
        return stopRequested.await(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Turns tracing off, drains what the kernel still holds, delivers everything and calls
     * {@code consumer.onEnd(false)}. Idempotent.
     *
     * @throws PooltagException when a reader or the consumer failed (the cause is attached)
     */
    public synchronized SessionStats stop() {
        if (Thread.currentThread() == mergeThread) {
            throw new IllegalStateException("stop() from the consumer would wait for itself; call requestStop()");
        }
        if (!started || stopped) {
            return lastStats;
        }
        stopped = true;
        if (mergeThread == null || readers == null) {
            stopping = true;
            return lastStats; // start() failed before any thread ran; nothing to drain
        }
        try {
            instance.setTracingOn(false); // first: a reader that sees the stop drains a buffer nothing adds to
        } catch (PooltagException e) {
            if (failure == null) {
                failure = e;
            }
        }
        stopping = true;
        closeBlockingPipes();
        joinAll(Duration.ofSeconds(10));
        Throwable f = failure;
        if (f != null) {
            throw f instanceof PooltagException pe ? pe
                    : new PooltagException("trace session failed: " + f, f);
        }
        return lastStats;
    }

    /** Wakes blocking readers (JDK 21) by closing their pipes; non-blocking ones see the stop within AWAIT_MILLIS. */
    private void closeBlockingPipes() {
        if (pipes == null) {
            return;
        }
        for (RawPipe ch : pipes) {
            if (ch == null || ch.tellsEmpty()) {
                continue;
            }
            try {
                ch.close();
            } catch (IOException ignored) {
                // the reader sees the channel closed either way
            }
        }
    }

    private void closeAllPipes() {
        for (RawPipe ch : pipes) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the reader sees the pipe closed either way
            }
        }
    }

    private void joinAll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Thread r : readers) {
                r.join(Math.max(1, (deadline - System.nanoTime()) / 2_000_000));
            }
            boolean late = false;
            for (Thread r : readers) {
                late |= r.isAlive();
            }
            if (late) {
                closeAllPipes(); // a drain ran past its deadline
                for (Thread r : readers) {
                    r.join(1000);
                }
            }
            mergeThread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            awaitReplay();
            if (mergeThread.isAlive() && failure == null) {
                failure = new PooltagException("the event consumer did not finish within " + timeout.toSeconds()
                        + " s of stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for the merge thread while it replays a spool and keeps progressing (a long recording's compression may
     * take longer than the stop's deadline); returns when it ended, or made no progress for {@link #SHUTDOWN_GRACE}.
     */
    private void awaitReplay() throws InterruptedException {
        long seen = -1;
        while (mergeThread.isAlive() && spool != null) {
            long now = replayedPages;
            if (now == seen) {
                return; // not replaying, or stuck: no page in the last grace period
            }
            seen = now;
            mergeThread.join(SHUTDOWN_GRACE.toMillis());
        }
    }

    /** True while a spool replay ran since {@code seenPages} was read: the owner is still finishing its file. */
    private boolean replayProgressed(long seenPages) {
        return replaying && replayedPages != seenPages;
    }

    /**
     * Stops (if running) and tears the instance down; idempotent, safe from any thread. A call while another thread's
     * close is under way waits until that one has finished (the instance is gone when any close returns), except on the
     * closing thread itself (a consumer closing from inside the teardown), which returns at once.
     */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            running = closer;
            if (running == null) {
                closed = true;
                closer = Thread.currentThread();
            }
        }
        if (running != null) {
            if (running != Thread.currentThread()) {
                awaitClosed();
            }
            return;
        }
        try {
            teardown();
        } finally {
            closedLatch.countDown();
            shutdownHook.unregister();
        }
    }

    private void teardown() {
        RuntimeException first = null;
        try {
            stop();
        } catch (RuntimeException e) {
            first = e;
        }
        if (spool != null) {
            spoolDeleted = spool.delete(); // normally gone after the replay; here after a failure or a late stop
        }
        synchronized (opened) {
            for (RawPipe ch : opened) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing is all that matters here
                }
            }
        }
        try {
            instance.close();
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void awaitClosed() {
        boolean interrupted = false;
        while (true) {
            try {
                closedLatch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the teardown is bounded (drain 10 s, rmdir 2 s); finish waiting for it
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGINT/SIGTERM: let the owner finish (write its end marker) for a few seconds, then close regardless. */
    private void onShutdown() {
        stopRequested.countDown();
        try {
            long seen = replayedPages;
            // a spool being replayed into the recording extends the grace for as long as it progresses
            while (!closedLatch.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS) && replayProgressed(seen)) {
                seen = replayedPages;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("pooltag: " + e.getMessage());
        }
    }
}
