package pooltag.linux.kmem;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEventConsumer;
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
 * <p>Threads: one reader per CPU reads whole sub-buffers from {@code per_cpu/cpuN/trace_pipe_raw} into pooled pages;
 * one merge thread decodes, orders by timestamp ({@link EventMerger}) and calls the consumer, so consumers need no
 * locks. Loss: page-header marks and {@code per_cpu/cpuN/stats} (polled each second and at the end) are delivered as
 * {@link AllocEventConsumer#onLoss}. One session per process at a time (the instance is named after the process:
 * {@link InstanceOwner}).
 */
public final class TraceSession implements AutoCloseable {
    /** Pages each CPU's reader may have in flight before it waits for the merge thread (4 MiB with 4 KiB pages). */
    static final int PAGES_PER_CPU = 1024;
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
    private FileChannel[] channels;
    private Thread[] readers;
    private Thread mergeThread;
    private EventMerger merger;
    private ArrayBlockingQueue<Page>[] free;
    private ArrayBlockingQueue<Page> filled;
    private final long[] lostReported;
    private volatile SessionStats lastStats;
    /** Runs on the merge thread after each merge round; set before start (see {@link #start(AllocEventConsumer, PageSink, Runnable)}). */
    private volatile Runnable tick;
    private boolean started;
    private boolean stopped;
    private boolean closed;
    /** The thread running the first {@link #close()}; later calls from other threads wait for it. */
    private Thread closer;
    /** Every channel ever opened on the instance: all must be closed before rmdir (EBUSY otherwise). */
    private final java.util.List<FileChannel> opened = new java.util.ArrayList<>();

    private TraceSession(TraceConfig config, TracefsInstance instance, ShutdownHook hook) {
        this.config = config;
        this.instance = instance;
        this.shutdownHook = hook;
        try {
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
                if (why != null) {
                    throw new PooltagException("cannot decode " + e + " on this kernel: " + why);
                }
            }
            this.cpus = instance.cpuCount();
            this.pageSize = schema.header().pageSize();
            this.lostReported = new long[cpus];
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
    @SuppressWarnings("unchecked")
    public synchronized void start(AllocEventConsumer consumer, PageSink sink) {
        if (started) {
            throw new IllegalStateException("session already started");
        }
        if (closed) {
            throw new IllegalStateException("session closed");
        }
        started = true;
        free = new ArrayBlockingQueue[cpus];
        filled = new ArrayBlockingQueue<>(cpus * (PAGES_PER_CPU + 1));
        channels = new FileChannel[cpus];
        for (int c = 0; c < cpus; c++) {
            free[c] = new ArrayBlockingQueue<>(PAGES_PER_CPU);
            for (int i = 0; i < PAGES_PER_CPU; i++) {
                free[c].add(new Page(pageSize));
            }
            channels[c] = openRaw(c);
        }
        merger = new EventMerger(cpus, schema.header(), decoder, config.reorderWindow().toNanos(),
                p -> free[p.cpu].offer(p));
        readers = new Thread[cpus];
        for (int c = 0; c < cpus; c++) {
            final int cpu = c;
            readers[c] = new Thread(() -> readLoop(cpu), "pooltag-cpu" + c);
            readers[c].setDaemon(true);
        }
        mergeThread = new Thread(() -> mergeLoop(consumer, sink), "pooltag-merge");
        mergeThread.setDaemon(true);
        mergeThread.start();
        for (Thread t : readers) {
            t.start();
        }
        instance.setTracingOn(true);
    }

    private FileChannel openRaw(int cpu) {
        try {
            FileChannel ch = FileChannel.open(instance.perCpuFile(cpu, "trace_pipe_raw"), StandardOpenOption.READ);
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
        FileChannel ch = channels[cpu];
        try {
            while (!stopping) {
                Page p = takeFree(cpu);
                if (p == null) {
                    break;
                }
                if (!readPage(ch, p, cpu)) {
                    // 0 bytes: the kernel answers EOF while tracing is off and the buffer empty (before start)
                    free[cpu].offer(p);
                    Thread.sleep(5);
                    continue;
                }
                filled.put(p);
            }
        } catch (ClosedChannelException e) {
            // stop() closed the channel to wake this reader; drain below
        } catch (IOException e) {
            if (!stopping) {
                failure = new PooltagException("reading " + instance.perCpuFile(cpu, "trace_pipe_raw") + ": "
                        + e.getMessage(), e);
            }
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
            try {
                filled.put(endMarker(cpu));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * After tracing is off: read what the kernel still holds for this CPU. With tracing off a read of an empty buffer
     * answers 0 (EOF) instead of blocking, and {@code entries} in the stats file counts unread events: stop at either.
     */
    private void drain(int cpu) throws IOException, InterruptedException {
        try (FileChannel ch = openRaw(cpu)) {
            channels[cpu] = ch; // stop() may close it if this drain runs past its deadline
            for (int guard = 0; guard < 1 << 20 && !mergeDead; guard++) {
                if (instance.cpuStats(cpu).entries() == 0) {
                    return;
                }
                Page p = takeFree(cpu);
                if (p == null) {
                    return;
                }
                if (!readPage(ch, p, cpu)) {
                    free[cpu].offer(p);
                    return;
                }
                filled.put(p);
            }
        } catch (ClosedChannelException e) {
            // deadline passed; what is left is counted by the final stats as unread
        }
    }

    private Page takeFree(int cpu) throws InterruptedException {
        while (!mergeDead) {
            Page p = free[cpu].poll(100, TimeUnit.MILLISECONDS);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** Reads one whole sub-buffer; a read may return part of it, so read until full. False at end of file. */
    private boolean readPage(FileChannel ch, Page p, int cpu) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(p.data, 0, pageSize);
        while (bb.hasRemaining()) {
            int n = ch.read(bb);
            if (n < 0 || (n == 0 && bb.position() == 0)) {
                return false;
            }
            if (n == 0) {
                break;
            }
        }
        p.length = bb.position();
        p.cpu = cpu;
        p.readNanos = System.nanoTime();
        p.sourceOffset = -1;
        return true;
    }

    private void mergeLoop(AllocEventConsumer consumer, PageSink sink) {
        int ended = 0;
        long nextStats = System.nanoTime() + 1_000_000_000L;
        try {
            while (ended < cpus) {
                Page p = filled.poll(20, TimeUnit.MILLISECONDS);
                while (p != null) {
                    if (p.length < 0) {
                        ended++;
                    } else {
                        if (sink != null) {
                            sink.onPage(p);
                        }
                        merger.addPage(p);
                    }
                    p = filled.poll();
                }
                long now = System.nanoTime();
                merger.emit(now, false, consumer);
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
            merger.emit(Long.MAX_VALUE, true, consumer);
            pollStats(consumer);
            publishStats();
            consumer.onEnd(false);
            Runnable t = tick;
            if (t != null) {
                t.run();
            }
        } catch (Throwable t) {
            failure = t;
            mergeDead = true;
            for (FileChannel ch : channels) {
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
            CpuStats s = instance.cpuStats(c);
            long lost = s.lost();
            if (lost > lostReported[c]) {
                consumer.onLoss(c, lost - lostReported[c]);
                lostReported[c] = lost;
            }
        }
    }

    private void publishStats() {
        long[] kinds = new long[KmemDecoder.KINDS];
        for (int k = 0; k < kinds.length; k++) {
            kinds[k] = merger.events(k);
        }
        lastStats = new SessionStats(merger.pages(), kinds, merger.otherEvents(), merger.malformedRecords(),
                merger.skippedPages(), merger.outOfOrder(), merger.lostCounted(), merger.lostFlaggedPages(),
                lostReported.clone());
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
        stopping = true;
        if (mergeThread == null || readers == null) {
            return lastStats; // start() failed before any thread ran; nothing to drain
        }
        try {
            instance.setTracingOn(false);
        } catch (PooltagException e) {
            if (failure == null) {
                failure = e;
            }
        }
        closeChannels();
        joinAll(Duration.ofSeconds(10));
        Throwable f = failure;
        if (f != null) {
            throw f instanceof PooltagException pe ? pe
                    : new PooltagException("trace session failed: " + f, f);
        }
        return lastStats;
    }

    private void closeChannels() {
        if (channels == null) {
            return;
        }
        for (FileChannel ch : channels) {
            if (ch == null) {
                continue;
            }
            try {
                ch.close();
            } catch (IOException ignored) {
                // the reader sees the channel closed either way
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
                closeChannels(); // a drain ran past its deadline
                for (Thread r : readers) {
                    r.join(1000);
                }
            }
            mergeThread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (mergeThread.isAlive() && failure == null) {
                failure = new PooltagException("the event consumer did not finish within " + timeout.toSeconds()
                        + " s of stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        synchronized (opened) {
            for (FileChannel ch : opened) {
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
            closedLatch.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
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
