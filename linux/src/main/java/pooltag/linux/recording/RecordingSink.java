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
    /** {@link #deferSamples}: the samples' own spool file, its writer, and the reader that interleaves them with pages. */
    private Path sampleSpool;
    private java.io.DataOutputStream sampleOut;
    private java.io.DataInputStream sampleIn;
    /** The next spooled sample not yet written (read ahead), or null. */
    private byte[] nextSample;
    /** Samples offered to {@link #sampleSpool} (kept or not), and those read back from it into the file. */
    private long samplesSpooled;
    private long samplesReadBack;
    /**
     * The first failed write of {@link #sampleSpool} (a full disk), or null: no byte goes to it after that (a
     * retried buffered write would repeat bytes already written). The samples it did not keep are counted as dropped.
     */
    private String sampleSpoolFailure;

    private RecordingSink(Path path, OutputStream file) {
        this.path = path;
        this.file = file;
    }

    /** A sink over a writer whose preamble the caller wrote (tests: the sample spool without a live session). */
    static RecordingSink over(Path path, RecordingWriter writer) {
        RecordingSink s = new RecordingSink(path, java.io.OutputStream.nullOutputStream());
        s.writer = writer;
        s.cgroups = new CgroupLog(writer);
        return s;
    }

    /** Writes every spooled sample not written yet ({@link #deferSamples}; {@link #finish} does it first). */
    void writeSpooledSamples() {
        if (sampleSpool != null) {
            writeSpooledSamples(Long.MAX_VALUE);
        }
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
     * (the pages are then stored uncompressed, one PAGE block each).
     *
     * @param kallsyms, modules, slabinfo the texts read before the session opened (a hit tag resolved against them)
     * @param sysfs    the pool kinds and merged names the run's ledger uses
     */
    public void begin(TraceSession s, TraceConfig cfg, String hitTag, String kallsyms, String modules,
                      String slabinfo, SlabSysfs sysfs, PrintStream err) {
        writer = new RecordingWriter(new BufferedOutputStream(file, 1 << 20), path.toString(), s.schema().header(),
                true);
        if (!writer.compressed()) {
            err.println("pooltag: note: the zstd library cannot load here (" + ZstdCodec.loadError()
                    + "); recording uncompressed pages (one PAGE block each)");
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
        // On disk before tracing starts: a spooling record writes nothing more until the stop, so a recorder killed
        // meanwhile (SIGKILL) leaves a file that reads as cut short, not an empty one.
        writer.flush();
    }

    /** Where the cgroup decisions of {@code --tag-by cgroup} go (merge thread); after {@link #begin}. */
    public CgroupLog cgroups() {
        return cgroups;
    }

    @Override
    public void onPage(Page p) {
        if (sampleSpool != null) {
            writeSpooledSamples(p.readNanos);
        }
        writer.writePage(p);
    }

    /**
     * For a session whose pages reach this sink only after tracing stopped ({@code TraceSession.startSpooled}): the
     * {@code /proc/slabinfo} samples offered meanwhile go to {@code file} (made here, 0600, exclusively; u32 length +
     * payload each, in the order taken), and each is written just before the first page read after it, as a live
     * sink would have; the rest at {@link #finish}. The file is deleted by {@link #finish}, {@link #close} and
     * {@link #discard}. Before the session starts. Reason: the sample queue is bounded for a writer that drains it
     * every tick; here nothing is written until the end, and a sample must not come before pages read earlier.
     */
    public void deferSamples(Path file) {
        deferSamples(file, java.util.function.UnaryOperator.identity());
    }

    /** As {@link #deferSamples(Path)}, writing through {@code wrap} of the file's stream (tests: a disk that fills). */
    void deferSamples(Path file, java.util.function.UnaryOperator<OutputStream> wrap) {
        java.io.OutputStream o = wrap.apply(PrivateFiles.create(file));
        sampleSpool = file;
        sampleOut = new java.io.DataOutputStream(new java.io.BufferedOutputStream(o, 64 << 10));
    }

    /** Writes the spooled samples taken at or before {@code nanos} (all of them for Long.MAX_VALUE). */
    private void writeSpooledSamples(long nanos) {
        try {
            if (sampleIn == null) {
                flushSampleSpool();
                sampleIn = new java.io.DataInputStream(new java.io.BufferedInputStream(
                        Files.newInputStream(sampleSpool, java.nio.file.LinkOption.NOFOLLOW_LINKS), 64 << 10));
            }
            while (true) {
                if (nextSample == null) {
                    if (nanos == Long.MAX_VALUE) {
                        flushSampleSpool(); // samples offered since the first page was written
                    }
                    nextSample = readSpooledSample();
                    if (nextSample == null) {
                        return;
                    }
                }
                if (pooltag.linux.ring.Le.i64(nextSample, 0) > nanos) {
                    return;
                }
                writer.writeSample(nextSample);
                samplesWritten++;
                samplesReadBack++;
                nextSample = null;
            }
        } catch (IOException e) {
            throw new pooltag.core.error.PooltagException("reading back " + sampleSpool + ": " + e.getMessage(), e);
        }
    }

    /**
     * The next sample of the spool, or null at its (current) end. A sample cut off at the end (only after a failed
     * write: whole samples are flushed otherwise) is the end too: it is among those counted as dropped.
     */
    private byte[] readSpooledSample() throws IOException {
        int n;
        try {
            n = sampleIn.readInt();
        } catch (java.io.EOFException e) {
            return null;
        }
        if (n < 0 || n > RecordingFormat.MAX_SAMPLE) {
            throw new IOException("a sample of " + n + " bytes");
        }
        byte[] b = new byte[n];
        try {
            sampleIn.readFully(b);
        } catch (java.io.EOFException e) {
            if (sampleSpoolFailure == null) {
                throw e;
            }
            return null;
        }
        return b;
    }

    /** Writes the buffered samples to their spool; a failure is kept (and said) as {@link #sampleSpoolFailure}. */
    private synchronized void flushSampleSpool() {
        if (sampleSpoolFailure != null) {
            return;
        }
        try {
            sampleOut.flush();
        } catch (IOException e) {
            sampleSpoolFailure = "writing " + sampleSpool + ": " + e.getMessage();
        }
    }

    private void deleteSampleSpool() {
        if (sampleSpool == null) {
            return;
        }
        try {
            synchronized (this) {
                sampleOut.close();
            }
            if (sampleIn != null) {
                sampleIn.close();
            }
        } catch (IOException ignored) {
            // deleting is what matters
        }
        try {
            Files.deleteIfExists(sampleSpool);
        } catch (IOException ignored) {
            // a leftover spool of samples holds no more than the recording itself
        }
        sampleSpool = null;
    }

    /**
     * Queues a {@code /proc/slabinfo} text read at {@code nanos}; written at the next tick. Any thread. The queue is
     * bounded ({@link SampleQueue#CAPACITY}): when the writer falls behind the oldest sample is dropped and counted
     * ({@link #samplesDropped}, and {@code samples_dropped} in the RUN block).
     */
    public void offerSample(long nanos, String slabinfo) {
        byte[] s = RecordingWriter.samplePayload(nanos, slabinfo); // gzipped here, on the caller's thread
        if (sampleOut != null) {
            synchronized (this) {
                samplesSpooled++;
                if (sampleSpoolFailure != null) {
                    return; // counted as dropped at the end (offered, never read back)
                }
                try {
                    sampleOut.writeInt(s.length);
                    sampleOut.write(s);
                } catch (IOException e) {
                    // a full disk: the recording goes on (the session's spool meets it too and stops the run); this
                    // sample and those after it are dropped and counted, the ones already in the spool are kept
                    sampleSpoolFailure = "writing " + sampleSpool + ": " + e.getMessage();
                }
            }
            return;
        }
        samples.offer(s);
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

    /**
     * Samples dropped: because the writer did not keep up (the oldest go first), or because their spool could not
     * be written (a full disk: offered and not read back into the file; final once {@link #finish} read it back).
     */
    public long samplesDropped() {
        return samples.dropped() + (sampleSpoolFailure == null ? 0 : samplesSpooled - samplesReadBack);
    }

    /** Why samples could not be spooled ("writing FILE.spool.samples: No space left on device"), or null. */
    public String sampleSpoolFailure() {
        return sampleSpoolFailure;
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
        writeSpooledSamples();
        deleteSampleSpool();
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
        statsLost += st.leftInKernel(); // what the drain could not read: lost, as the reader counts it from CPU_STATS
        // handed over by the kernel and never walked: pages a full disk kept out of record's spool, mostly; the
        // reader cannot tell them from CPU_STATS, so the LOSS block carries them
        statsLost += st.unaccounted();
        writer.writeText(RecordingFormat.SLABINFO_END, -1, readOrEmpty("/proc/slabinfo"));
        writer.writeLongs(RecordingFormat.LOSS, statsLost, st.lostFromHeaders(), st.lostFlaggedPages());
        Map<String, String> facts = new LinkedHashMap<>(run);
        if (samplesDropped() > 0) {
            facts.put(RecordingFormat.RUN_SAMPLES_DROPPED, Long.toString(samplesDropped()));
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

    /**
     * For {@code record}'s stop signals ({@link pooltag.linux.kmem.StopSignals#finishing}): a second signal hears what
     * is left of finishing this file for session {@code s}; a third cuts it after its last whole block
     * ({@link RecordingWriter#cut}) and hears what it then holds. After {@link #begin}.
     */
    public pooltag.linux.kmem.StopSignals.Finishing finishing(TraceSession s) {
        RecordingWriter w = writer;
        return new pooltag.linux.kmem.StopSignals.Finishing() {
            @Override
            public String progress() {
                long left = s.spoolBytesLeft();
                return "finishing " + path + (left > 0
                        ? String.format(java.util.Locale.ROOT, ": %,.0f MB of spool left to compress into it, then its"
                        + " trailer and END", left / 1e6) : ": its last pages, its trailer and END");
            }

            @Override
            public String abandon() {
                long spooled = s.spoolPages();
                RecordingWriter.Cut c = w.cut();
                if (c.complete()) {
                    return path + " was already finished (its END block is written); exiting without the summary";
                }
                return String.format(java.util.Locale.ROOT, "abandoned %s: it holds its preamble and the first %,d"
                        + " pages%s (%,d bytes, whole blocks) and no END block; 'pooltag report' reads it as cut short",
                        path, c.pages(), spooled > 0 ? String.format(java.util.Locale.ROOT, " of the %,d spooled",
                        Math.max(spooled, c.pages())) : "", c.bytes());
            }
        };
    }

    /** Closes the file without a trailer (the run failed; a reader reports it cut short). Idempotent. */
    @Override
    public void close() {
        deleteSampleSpool();
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
