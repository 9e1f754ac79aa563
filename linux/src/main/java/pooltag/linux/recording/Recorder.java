package pooltag.linux.recording;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.cgroup.PidCgroupResolver;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.Tracefs;

/**
 * {@code pooltag record}: a live session whose raw pages go to a recording file, framed by everything needed to
 * read it elsewhere (formats, symbols, slabinfo) and by what was lost. Stops after a duration, or on
 * SIGINT/SIGTERM (the session's shutdown hook asks it to stop, and it still writes the trailer and END block), or
 * when its file system runs short ({@link DiskRoom}) or full (a spool write refused: ENOSPC, EDQUOT): then it stops
 * as on a signal, writes the file with everything kept (the spool's replay frees the spool's blocks as it goes, so the
 * file fits where the spool was), counts what it could not keep (RUN {@code disk_full}, {@code
 * disk_full_pages_dropped}, and their events in the loss), and says so in one line.
 */
public final class Recorder {
    /**
     * The outcome, for the one-line summary.
     *
     * @param outOfRoom why the recording stopped before its duration to keep room on its file system, or because
     *                  that file system was full; null when neither
     */
    public record Result(Path file, long pages, long bytes, long events, long lost, long[] eventsByKind,
                         boolean interrupted, String outOfRoom) {
    }

    /** How the wait of a recording ended ({@link #runUntil}). */
    enum Ending {
        /** The duration passed. */
        DURATION,
        /** SIGINT/SIGTERM (a stop request). */
        STOPPED,
        /** The session failed (its merge thread or a reader died): {@code stop()} throws the failure. */
        FAILED,
        /** The file system of the recording got too full to go on ({@link Waits#outOfRoom}). */
        OUT_OF_ROOM
    }

    private Recorder() {
    }

    /** Turns a hit tag into the stack triggers of a config, against the kernel state the recording keeps. */
    @FunctionalInterface
    public interface HitResolver {
        TraceConfig apply(TraceConfig base, String hitTag, String slabinfo, SlabSysfs sysfs, KernelSymbols symbols);
    }

    /**
     * @param hitTag the tag whose events get kernel stacks, or null
     * @param hits   how {@code hitTag} becomes stack triggers (engine's {@code HitTarget}, shared with hit and kd),
     *               given the slabinfo, slab sysfs and kallsyms this recording keeps
     */
    public static Result record(Path out, TraceConfig baseConfig, Duration duration, String hitTag,
                                HitResolver hits, PrintStream err) {
        return record(out, baseConfig, duration, hitTag, hits, err, null);
    }

    /** @param signals when not null, its first SIGINT/SIGTERM stops the recording (which still finishes the file) */
    public static Result record(Path out, TraceConfig baseConfig, Duration duration, String hitTag,
                                HitResolver hits, PrintStream err, pooltag.linux.kmem.StopSignals signals) {
        return record(out, baseConfig, duration, hitTag, hits, err, signals, false);
    }

    /**
     * @param byCgroup also resolve the cgroup of every allocating task as it is seen ({@code --tag-by cgroup}) and
     *                 keep the decisions in the file (CGROUPS blocks), so a replay charges allocations as live
     */
    public static Result record(Path out, TraceConfig baseConfig, Duration duration, String hitTag,
                                HitResolver hits, PrintStream err, pooltag.linux.kmem.StopSignals signals,
                                boolean byCgroup) {
        String kallsyms = RecordingSink.readOrEmpty("/proc/kallsyms");
        String modules = RecordingSink.readOrEmpty("/proc/modules");
        String slabStart = RecordingSink.readOrEmpty("/proc/slabinfo");
        SlabSysfs sysfs = SlabSysfs.live();
        TraceConfig cfg = byCgroup ? baseConfig.withBulkSubbuf().withTaskEvents() : baseConfig.withBulkSubbuf();
        if (hitTag != null) {
            cfg = hits.apply(cfg, hitTag, slabStart, sysfs, KernelSymbols.parse(kallsyms, modules, "/proc/kallsyms"));
        }
        Tracefs fs = Tracefs.locate();
        PidCgroupResolver resolver = byCgroup ? PidCgroupResolver.live() : null;
        final long[] lost = new long[1];
        DiskRoom room = DiskRoom.of(out);
        room.requireAtStart();
        // The file first (0600, exclusive, no symlink): an existing path fails before any tracing starts.
        RecordingSink sink = RecordingSink.create(out);
        TraceSession opened;
        try {
            opened = TraceSession.open(cfg, fs, err);
        } catch (RuntimeException e) {
            sink.discard(); // nothing recorded: leave no empty file behind
            throw e;
        }
        try (TraceSession s = opened; RecordingSink w = sink) {
            if (signals != null) {
                signals.onStop(s::requestStop);
            }
            w.begin(s, cfg, hitTag, kallsyms, modules, slabStart, sysfs, err);
            if (signals != null) {
                // a second signal says what is left of finishing the file, a third cuts it and says what it holds
                signals.finishing(w.finishing(s));
            }
            if (resolver != null) {
                resolver.onDecision(w.cgroups());
            }
            AllocEventConsumer counter = new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent event) {
                    if (resolver != null && event.type() == AllocEvent.ALLOC) {
                        resolver.cgroupOf(event); // decisions go to the file; a known task costs one probe
                    } else if (resolver != null && event.type() == AllocEvent.NEW_TASK) {
                        resolver.onNewTask(event); // placed at its birth: the decision goes to the file too
                    } else if (resolver != null && event.type() == AllocEvent.TASK_MOVE) {
                        resolver.onTaskMove(event); // so is a move
                    }
                }

                @Override
                public void onLoss(int cpu, long count) {
                    lost[0] += Math.max(count, 1);
                }
            };
            Path spool = spoolPrefix(out);
            if (resolver == null) {
                try {
                    w.deferSamples(spool.resolveSibling(spool.getFileName() + ".samples"));
                } catch (RuntimeException e) {
                    w.discard(); // nothing recorded yet: leave no file behind
                    throw e;
                }
            }
            // said when tracing goes on, after the readers' warm-up: a workload started on this line is recorded whole
            String started = "pooltag record: " + cfg.describeBuffer() + "; /proc/slabinfo sampled every "
                    + ProcfsSource.SAMPLE_EVERY.toMillis() + " ms" + (byCgroup ? "; cgroups of the allocating tasks kept"
                    : "; raw pages spooled to " + spool + ".cpuN while tracing, compressed into the file after it stops");
            s.onTracingOn(() -> err.println(started));
            w.offerSample(System.nanoTime(), RecordingSink.readOrEmpty("/proc/slabinfo"));
            if (resolver != null) {
                s.start(counter, w, w::onTick); // the cgroup of each allocating task needs the decoded events
            } else {
                try {
                    // raw pages go to a per-CPU spool while tracing, and into the file (counted, not decoded: report
                    // decodes) once it stops: no compression competes with the traced workload
                    s.startSpooled(spool, w, counter, w::onTick);
                } catch (RuntimeException e) {
                    w.discard();
                    throw e;
                }
            }
            Ending ending;
            long t0 = System.nanoTime();
            try {
                ending = runUntil(new Waits() {
                    @Override
                    public boolean awaitStopRequest(Duration d) throws InterruptedException {
                        return s.awaitStopRequest(d);
                    }

                    @Override
                    public Throwable failure() {
                        return s.failure();
                    }

                    @Override
                    public boolean outOfRoom() {
                        // statfs sees what is written already (spool, or the file a decoded run writes as it goes);
                        // the spool's eighth is what compressing it into the file will still take
                        return !room.enough(s.spoolBytes());
                    }
                }, duration.toNanos(), () -> w.offerSample(System.nanoTime(),
                        RecordingSink.readOrEmpty("/proc/slabinfo")));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ending = Ending.STOPPED;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // a failed session (the merge thread died: a write of the file refused, ...) throws its failure here:
            // one line, exit 2. A full disk under the spool is not a failure: its reader asked for the stop.
            SessionStats st = s.stop();
            String diskFull = s.diskFull() != null ? s.diskFull() : w.sampleSpoolFailure();
            boolean interrupted = ending == Ending.STOPPED && diskFull == null;
            String outOfRoom = diskFull != null ? diskFullStop(seconds, diskFull, s.spoolDroppedPages())
                    : ending == Ending.OUT_OF_ROOM ? room.stoppedAfter(seconds) : null;
            w.offerSample(System.nanoTime(), RecordingSink.readOrEmpty("/proc/slabinfo"));
            Map<String, String> run = new java.util.LinkedHashMap<>();
            if (diskFull != null) {
                run.put(RecordingFormat.RUN_DISK_FULL, diskFull);
                run.put(RecordingFormat.RUN_DISK_FULL_PAGES_DROPPED, Long.toString(s.spoolDroppedPages()));
            }
            w.finish(s, st, run);
            Result r = new Result(out, w.pages(), w.bytes(), st.totalEvents(), lost[0], st.eventsByKind(),
                    interrupted, outOfRoom);
            // Print before the session closes: on SIGINT/SIGTERM the JVM halts as soon as close() releases the
            // shutdown hook, so nothing after this block is guaranteed to run.
            err.printf("pooltag: recorded %d events (%s) in %d pages, %d bytes, to %s; lost events: %d%s%s%s%n",
                    r.events(), byKind(r.eventsByKind()), r.pages(), r.bytes(), r.file(), r.lost(),
                    RecordingSink.dropped(w), spooled(s, spool),
                    r.interrupted() ? " (stopped by signal)" : r.outOfRoom() != null ? " (" + r.outOfRoom() + ")" : "");
            if (st != null) {
                err.println("pooltag: " + st.describe());
            }
            if (diskFull != null) {
                // the error, last and alone on its line: what filled, where, and that the file holds the rest
                err.printf("pooltag: %s: the disk filled while recording (%s); tracing stopped, the file holds every"
                                + " event kept; %d pages could not be kept, their events counted as lost (%d lost in"
                                + " all)%n", out, diskFull, s.spoolDroppedPages(), st.lostTotal());
            }
            err.flush();
            return r;
        }
    }

    /** The summary's reason for a stop by a full disk: after how long, the refusal, and the pages dropped. */
    static String diskFullStop(double seconds, String cause, long droppedPages) {
        return String.format(java.util.Locale.ROOT, "stopped after %.1f s: disk full (%s); %d pages dropped",
                seconds, cause, droppedPages);
    }

    /** Where a recording's spool goes: beside the file, so it lands on the same file system ({@code FILE.spool}). */
    static Path spoolPrefix(Path out) {
        return out.resolveSibling(out.getFileName() + ".spool");
    }

    /**
     * "; spool 250,000,000 bytes (61,000 pages), compressed into the file in 0.41 s after the stop, deleted" for the
     * summary line, or "" for a session that did not spool.
     */
    static String spooled(TraceSession s, Path prefix) {
        if (s.spoolReplayNanos() < 0 && s.spoolPages() == 0) {
            return "";
        }
        return String.format(java.util.Locale.ROOT,
                "; spool %,d bytes (%,d pages), compressed into the file in %.2f s after the stop, %s",
                s.spoolBytes(), s.spoolPages(), Math.max(0, s.spoolReplayNanos()) / 1e9,
                s.spoolDeleted() ? "deleted" : "NOT deleted (remove " + prefix + ".cpu*)");
    }

    /** What the wait loop of a recording needs from its session (a seam for tests). */
    interface Waits {
        /** True when a stop was requested (SIGINT/SIGTERM) within {@code d}. */
        boolean awaitStopRequest(Duration d) throws InterruptedException;

        /** What killed the session's merge thread or a reader; null while healthy. */
        Throwable failure();

        /** True when the recording's file system has no room left to go on (looked at every sample). */
        default boolean outOfRoom() {
            return false;
        }
    }

    /**
     * Waits out {@code durationNanos}, calling {@code sample} every {@link ProcfsSource#SAMPLE_EVERY} (the live hunt's
     * cadence); ends early on a stop request, as soon as the session failed ({@code stop()} then throws the failure:
     * a dead merge thread writes nothing more, so sampling on would only queue for no one), or when the file system
     * has no room left to go on (then the recording stops as on a signal and writes itself with what it has).
     */
    static Ending runUntil(Waits s, long durationNanos, Runnable sample) throws InterruptedException {
        long end = System.nanoTime() + durationNanos;
        while (s.failure() == null) {
            if (s.outOfRoom()) {
                return Ending.OUT_OF_ROOM;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return Ending.DURATION;
            }
            if (s.awaitStopRequest(Duration.ofNanos(Math.min(left, ProcfsSource.SAMPLE_EVERY.toNanos())))) {
                return Ending.STOPPED;
            }
            if (s.failure() != null) {
                return Ending.FAILED;
            }
            sample.run();
        }
        return Ending.FAILED;
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
