package pooltag.linux.recording;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import pooltag.core.io.PrivateFiles;
import pooltag.linux.kmem.Page;
import pooltag.linux.kmem.PageSink;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.tracefs.KernelFiles;

/**
 * A tracing session's recording: the file, its preamble (formats, symbols, slabinfo, sysfs pool kinds), the raw
 * pages as the session reads them, the {@code /proc/slabinfo} samples and cgroup decisions made while it runs, and
 * the trailer (per-CPU stats, loss, what the run did, END). Used by {@code record} ({@link Recorder}) and by every
 * run that records as it goes ({@code hunt --record}), so there is one way to write a recording.
 *
 * <p>Threads: the pages, the cgroup decisions and {@link #onTick} run on the session's merge thread, the one writer
 * while tracing; {@link #offerSample} may be called from any thread (the samples queue until the next tick);
 * {@link #begin} before the session starts and {@link #finish} after it stopped, on the owning thread.
 */
public final class RecordingSink implements PageSink, AutoCloseable {
    /** How often (wall clock) gathered cgroup decisions are written while tracing. */
    static final long CGROUP_FLUSH_NANOS = 250_000_000L;

    private final Path path;
    private final OutputStream file;
    private RecordingWriter writer;
    private CgroupLog cgroups;
    private final SampleQueue samples = new SampleQueue();
    private long samplesWritten;
    private long lastCgroupFlush = System.nanoTime();
    private boolean closed;

    private RecordingSink(Path path, OutputStream file) {
        this.path = path;
        this.file = file;
    }

    /**
     * Creates the file (mode 0600, exclusively, never through a symlink), before any tracing starts: an existing
     * path is an error and is left as it is.
     */
    public static RecordingSink create(Path out) {
        return new RecordingSink(out, PrivateFiles.create(out));
    }

    public Path path() {
        return path;
    }

    /**
     * Writes the preamble of an opened, not yet started session; prints a note when the zstd library cannot load
     * (the pages are then stored uncompressed, format version 1).
     *
     * @param kallsyms, modules, slabinfo the texts read before the session opened (a hit tag resolved against them)
     * @param sysfs    the pool kinds and merged names the run's ledger uses
     */
    public void begin(TraceSession s, TraceConfig cfg, String hitTag, String kallsyms, String modules,
                      String slabinfo, SlabSysfs sysfs, PrintStream err) {
        writer = new RecordingWriter(new BufferedOutputStream(file, 1 << 20), path.toString(), s.schema().header(),
                true);
        if (writer.version() == RecordingFormat.VERSION_1) {
            err.println("pooltag: note: the zstd library cannot load here (" + ZstdCodec.loadError()
                    + "); recording uncompressed pages (format version 1)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("tool", "pooltag 0.1.0");
        meta.put("kernel", readOrEmpty("/proc/sys/kernel/osrelease").trim());
        meta.put("started", Instant.now().toString());
        meta.put("start_mono_ns", Long.toString(System.nanoTime()));
        meta.put("cpus", Integer.toString(s.cpus()));
        meta.put("page_size", Integer.toString(s.schema().header().pageSize()));
        meta.put("trace_clock", "mono");
        meta.put("buffer_size_kb", Integer.toString(s.instance().bufferSizeKb()));
        meta.put("events", String.join(",", cfg.events()));
        meta.put("filters", cfg.filters().toString());
        meta.put("stack_triggers", cfg.stackTriggers().toString());
        meta.put("hit", hitTag == null ? "" : hitTag);
        writer.writeMeta(meta);
        writer.writeText(RecordingFormat.HEADER_PAGE, -1, s.schema().headerPageText());
        for (Map.Entry<String, String> f : s.schema().formatTexts().entrySet()) {
            writer.writeText(RecordingFormat.FORMAT, -1, f.getKey() + "\n" + f.getValue());
        }
        writer.writeGzip(RecordingFormat.KALLSYMS_GZ, kallsyms);
        writer.writeText(RecordingFormat.MODULES, -1, modules);
        writer.writeText(RecordingFormat.SLABINFO_START, -1, slabinfo);
        // After SLABINFO_START: a reader that predates SLAB_SYSFS ends its preamble here and skips it as unknown.
        writer.writeText(RecordingFormat.SLAB_SYSFS, -1, sysfs.toText());
        cgroups = new CgroupLog(writer);
    }

    /** Where the cgroup decisions of {@code --tag-by cgroup} go (merge thread); after {@link #begin}. */
    public CgroupLog cgroups() {
        return cgroups;
    }

    /** The writer's format version (after {@link #begin}). */
    public int version() {
        return writer.version();
    }

    @Override
    public void onPage(Page p) {
        writer.writePage(p);
    }

    /**
     * Queues a {@code /proc/slabinfo} text read at {@code nanos}; written at the next tick. Any thread. The queue is
     * bounded ({@link SampleQueue#CAPACITY}): when the writer falls behind the oldest sample is dropped and counted
     * ({@link #samplesDropped}, and {@code samples_dropped} in the RUN block).
     */
    public void offerSample(long nanos, String slabinfo) {
        samples.offer(RecordingWriter.samplePayload(nanos, slabinfo)); // gzipped here, on the caller's thread
    }

    /** On the merge thread between merge rounds: writes queued samples, and cgroup decisions every 250 ms. */
    public void onTick() {
        drainSamples();
        long now = System.nanoTime();
        if (now - lastCgroupFlush >= CGROUP_FLUSH_NANOS) {
            cgroups.flush();
            lastCgroupFlush = now;
        }
    }

    private void drainSamples() {
        byte[] s;
        while ((s = samples.poll()) != null) {
            writer.writeSample(s);
            samplesWritten++;
        }
    }

    /** SLABINFO_SAMPLE blocks written. */
    public long samplesWritten() {
        return samplesWritten;
    }

    /**
     * "; dropped: N slabinfo samples (writer behind), M cgroup decisions (past the bound)" for a summary line, or ""
     * when nothing was dropped.
     */
    public static String dropped(RecordingSink sink) {
        long s = sink.samplesDropped();
        long c = sink.cgroups == null ? 0 : sink.cgroups.dropped();
        if (s == 0 && c == 0) {
            return "";
        }
        return "; dropped: " + s + " slabinfo samples (writer behind), " + c + " cgroup decisions (past "
                + RecordingFormat.MAX_CGROUP_ENTRIES + ")";
    }

    /** Samples dropped because the writer did not keep up (the oldest go first). */
    public long samplesDropped() {
        return samples.dropped();
    }

    public long pages() {
        return writer.pages();
    }

    public long bytes() {
        return writer.bytes();
    }

    /**
     * After the session stopped (its merge thread is done): the samples and decisions still queued, the per-CPU
     * stats, slabinfo at the end, the loss, the RUN facts (may be empty; what was dropped is added) and END; then
     * closes the file.
     */
    public void finish(TraceSession s, SessionStats st, Map<String, String> run) {
        drainSamples();
        cgroups.flush();
        long statsLost = 0;
        for (int c = 0; c < s.cpus(); c++) {
            String text;
            try {
                text = KernelFiles.read(s.instance().perCpuFile(c, "stats"));
            } catch (IOException e) {
                text = "";
            }
            writer.writeText(RecordingFormat.CPU_STATS, c, text);
            statsLost += st.lostFromStats()[c];
        }
        writer.writeText(RecordingFormat.SLABINFO_END, -1, readOrEmpty("/proc/slabinfo"));
        writer.writeLongs(RecordingFormat.LOSS, statsLost, st.lostFromHeaders(), st.lostFlaggedPages());
        Map<String, String> facts = new LinkedHashMap<>(run);
        if (samples.dropped() > 0) {
            facts.put(RecordingFormat.RUN_SAMPLES_DROPPED, Long.toString(samples.dropped()));
        }
        if (cgroups.dropped() > 0) {
            facts.put(RecordingFormat.RUN_CGROUP_DECISIONS_DROPPED, Long.toString(cgroups.dropped()));
        }
        if (!facts.isEmpty()) {
            writer.writeFacts(RecordingFormat.RUN, facts);
        }
        writer.writeLongs(RecordingFormat.END, System.nanoTime(), writer.pages(), st.totalEvents());
        writer.close();
        closed = true;
    }

    /** Closes the file without a trailer (the run failed; a reader reports it cut short). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writer != null) {
                writer.close();
            } else {
                file.close();
            }
        } catch (IOException | RuntimeException e) {
            // the error that brought us here is the one to report
        }
    }

    /** Closes and removes the file: nothing was recorded (tracing could not start). */
    public void discard() {
        close();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the error that brought us here is the one to report
        }
    }

    /** A kernel text file's content, or "" when it cannot be read (a recording stores what there is). */
    public static String readOrEmpty(String p) {
        try {
            return KernelFiles.read(Path.of(p));
        } catch (IOException e) {
            return "";
        }
    }
}
