package pooltag.linux.recording;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.io.PrivateFiles;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.KernelFiles;
import pooltag.linux.tracefs.Tracefs;

/**
 * {@code pooltag record}: a live session whose raw pages go to a recording file, framed by everything needed to
 * read it elsewhere (formats, symbols, slabinfo) and by what was lost. Stops after a duration, or on
 * SIGINT/SIGTERM (the session's shutdown hook asks it to stop, and it still writes the trailer and END block).
 */
public final class Recorder {
    /** The outcome, for the one-line summary. */
    public record Result(Path file, long pages, long bytes, long events, long lost, long[] eventsByKind,
                         boolean interrupted) {
    }

    private Recorder() {
    }

    /** Turns a hit tag into the stack triggers of a config, against the kernel state the recording keeps. */
    @FunctionalInterface
    public interface HitResolver {
        TraceConfig apply(TraceConfig base, String hitTag, String slabinfo, KernelSymbols symbols);
    }

    /**
     * @param hitTag the tag whose events get kernel stacks, or null
     * @param hits   how {@code hitTag} becomes stack triggers (engine's {@code HitTarget}, shared with hit and kd),
     *               given the slabinfo and kallsyms this recording keeps
     */
    public static Result record(Path out, TraceConfig baseConfig, Duration duration, String hitTag,
                                HitResolver hits, PrintStream err) {
        return record(out, baseConfig, duration, hitTag, hits, err, null);
    }

    /** @param signals when not null, its first SIGINT/SIGTERM stops the recording (which still finishes the file) */
    public static Result record(Path out, TraceConfig baseConfig, Duration duration, String hitTag,
                                HitResolver hits, PrintStream err, pooltag.linux.kmem.StopSignals signals) {
        String kallsyms = readOrEmpty("/proc/kallsyms");
        String modules = readOrEmpty("/proc/modules");
        String slabStart = readOrEmpty("/proc/slabinfo");
        TraceConfig cfg = baseConfig;
        if (hitTag != null) {
            cfg = hits.apply(cfg, hitTag, slabStart, KernelSymbols.parse(kallsyms, modules, "/proc/kallsyms"));
        }
        Tracefs fs = Tracefs.locate();
        final long[] lost = new long[1];
        AllocEventConsumer counter = new AllocEventConsumer() {
            @Override
            public void onEvent(AllocEvent event) {
            }

            @Override
            public void onLoss(int cpu, long count) {
                lost[0] += Math.max(count, 1);
            }
        };
        // The file first (0600, exclusive, no symlink): an existing path fails before any tracing starts.
        OutputStream file = PrivateFiles.create(out);
        TraceSession opened;
        try {
            opened = TraceSession.open(cfg, fs, err);
        } catch (RuntimeException e) {
            closeAndDelete(file, out); // nothing recorded: leave no empty file behind
            throw e;
        }
        try (TraceSession s = opened;
             RecordingWriter w = new RecordingWriter(new BufferedOutputStream(file, 1 << 20), out.toString(),
                     s.schema().header(), true)) {
            if (signals != null) {
                signals.onStop(s::requestStop);
            }
            if (w.version() == RecordingFormat.VERSION_1) {
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
            w.writeMeta(meta);
            w.writeText(RecordingFormat.HEADER_PAGE, -1, s.schema().headerPageText());
            for (Map.Entry<String, String> f : s.schema().formatTexts().entrySet()) {
                w.writeText(RecordingFormat.FORMAT, -1, f.getKey() + "\n" + f.getValue());
            }
            w.writeGzip(RecordingFormat.KALLSYMS_GZ, kallsyms);
            w.writeText(RecordingFormat.MODULES, -1, modules);
            w.writeText(RecordingFormat.SLABINFO_START, -1, slabStart);
            err.println("pooltag record: " + cfg.describeBuffer());
            s.startPages(w::writePage, counter); // pages go to the file raw: counted, not decoded (report decodes)
            boolean interrupted;
            try {
                interrupted = s.awaitStopRequest(duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = true;
            }
            SessionStats st = s.stop();
            long statsLost = 0;
            for (int c = 0; c < s.cpus(); c++) {
                String text = KernelFiles.read(s.instance().perCpuFile(c, "stats"));
                w.writeText(RecordingFormat.CPU_STATS, c, text);
                statsLost += st.lostFromStats()[c];
            }
            w.writeText(RecordingFormat.SLABINFO_END, -1, readOrEmpty("/proc/slabinfo"));
            w.writeLongs(RecordingFormat.LOSS, statsLost, st.lostFromHeaders(), st.lostFlaggedPages());
            w.writeLongs(RecordingFormat.END, System.nanoTime(), w.pages(), st.totalEvents());
            long pages = w.pages();
            long bytes = w.bytes();
            Result r = new Result(out, pages, bytes, st.totalEvents(), lost[0], st.eventsByKind(), interrupted);
            w.close();
            // Print before the session closes: on SIGINT/SIGTERM the JVM halts as soon as close() releases the
            // shutdown hook, so nothing after this block is guaranteed to run.
            err.printf("pooltag: recorded %d events (%s) in %d pages, %d bytes, to %s; lost events: %d%s%n",
                    r.events(), byKind(r.eventsByKind()), r.pages(), r.bytes(), r.file(), r.lost(),
                    r.interrupted() ? " (stopped by signal)" : "");
            if (st != null) {
                err.println("pooltag: " + st.describe());
            }
            err.flush();
            return r;
        } catch (IOException e) {
            throw new PooltagException("recording to " + out + ": " + e.getMessage(), e);
        }
    }

    private static void closeAndDelete(OutputStream file, Path path) {
        try {
            file.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the error that brought us here is the one to report
        }
    }

    static String readOrEmpty(String p) {
        try {
            return KernelFiles.read(Path.of(p));
        } catch (IOException e) {
            return "";
        }
    }

    /** "kmalloc=12 kfree=10 ..." for the summary line. */
    public static String byKind(long[] eventsByKind) {
        StringBuilder sb = new StringBuilder();
        for (int k = 1; k < eventsByKind.length; k++) {
            if (eventsByKind[k] > 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(KmemDecoder.kindName(k)).append('=').append(eventsByKind[k]);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
