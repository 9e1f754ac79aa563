package pooltag.engine.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.error.PooltagException;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.recording.RecordedCgroups;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.symbols.KernelSymbols;

/**
 * A recording replayed into a ledger like a live run's, for the offline doors ({@code hunt --from},
 * {@code find --from}, {@code report}): pool kinds from the file's SLAB_SYSFS block (every cache NonPaged in an older
 * file), symbols from its kallsyms, and with {@code byCgroup} the cgroup decisions it carries. One pass (the events,
 * the RUN facts and, for a hunt, the slabinfo samples as they come); with {@code byCgroup} a first pass before it
 * reads only the cgroup decisions, without decoding a page, since they must be known before the first event is
 * charged.
 */
public final class RecordingReplay {
    /** The replay's reorder window: events are ordered by timestamp across CPUs within a second of page reads. */
    public static final long WINDOW_NANOS = 1_000_000_000L;
    /** Samples kept; past it every other one is dropped and only every second one after is kept (same span). */
    public static final int MAX_SAMPLES = 4096;

    /**
     * @param samples       the SLABINFO_SAMPLE snapshots (CLOCK_MONOTONIC, as the events)
     * @param facts         the RUN block ({@code duration_ns}, {@code armed}, {@code held_back}, {@code tag_by},
     *                      {@code tracer_task}); empty when none
     * @param slabinfoStart {@code /proc/slabinfo} at the start (a tag resolves against it)
     * @param sysfs         the recorded machine's {@code /sys/kernel/slab} (pool kinds, names merged into a cache)
     * @param cgroupDecisionsDropped with {@code byCgroup}, decisions lost past a bound: not written by the recorder,
     *                               not kept by the reader or past the distinct paths a replay keeps (0 without)
     */
    public record Replayed(Ledger ledger, KernelSymbols symbols, RecordingReader.Replay health,
                           List<UsageSnapshot> samples, Map<String, String> facts, Map<String, String> meta,
                           String slabinfoStart, SlabSysfs sysfs, long cgroupDecisions, long cgroupDecisionsDropped) {
        /** The recording run's wall-clock length ({@code duration_ns}); 0 when the file does not say. */
        public long durationNanos() {
            try {
                return Long.parseLong(facts.getOrDefault("duration_ns", "0").strip());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private RecordingReplay() {
    }

    /**
     * A replay without the slabinfo samples ({@code report}, {@code find --from}): one pass, unless {@code byCgroup}.
     *
     * @param byCgroup tag allocations by cgroup from the file's CGROUPS entries; an error (one line) when it has
     *                 none
     */
    public static Replayed of(Path file, LedgerOptions options, boolean byCgroup) {
        return of(file, options, byCgroup, false);
    }

    /** A replay that also parses the slabinfo samples, as the live hunt parsed them ({@code hunt --from}). */
    public static Replayed withSamples(Path file, LedgerOptions options, boolean byCgroup) {
        return of(file, options, byCgroup, true);
    }

    private static Replayed of(Path file, LedgerOptions options, boolean byCgroup, boolean withSamples) {
        RecordedCgroups recorded = null;
        long readerDropped = 0;
        if (byCgroup) {
            // every decision must be known before the first event is charged: a first pass over the side blocks
            recorded = new RecordedCgroups();
            try (RecordingReader first = RecordingReader.open(file)) {
                RecordedCgroups into = recorded;
                first.scanSide(new RecordingReader.SideData() {
                    @Override
                    public boolean wantsSamples() {
                        return false;
                    }

                    @Override
                    public void cgroup(long nanos, int pid, String path) {
                        into.cgroup(nanos, pid, path);
                    }
                });
                readerDropped = first.cgroupEntriesDropped();
            }
            if (recorded.decisions() == 0) {
                throw new PooltagException(file + " carries no cgroup decisions: record it with --tag-by cgroup"
                        + " (record --tag-by cgroup, or hunt --tag-by cgroup --record FILE)");
            }
        }
        try (RecordingReader r = RecordingReader.open(file)) {
            KernelSymbols symbols = r.symbols();
            SlabSysfs sysfs = r.slabSysfs();
            Side side = new Side(sysfs, r.cpus(), withSamples);
            r.side(side);
            Ledger ledger = PublishingLedger.over(r, options).ledger();
            if (recorded != null) {
                ledger.tagByCgroup(recorded);
            }
            RecordingReader.Replay rp = r.replay(ledger, WINDOW_NANOS);
            return new Replayed(ledger, symbols, rp, List.copyOf(side.samples), Map.copyOf(side.facts),
                    new LinkedHashMap<>(r.meta()), r.slabinfoStart(), sysfs, recorded == null ? 0 : recorded.decisions(),
                    recorded == null ? 0 : rp.cgroupDecisionsDropped() + readerDropped + recorded.dropped());
        }
    }

    /**
     * The side blocks a replay takes as it reads the events: the RUN facts, and the slabinfo samples when wanted
     * (parsed with the file's pool kinds; at most {@link #MAX_SAMPLES}, thinned evenly past it). Never the cgroup
     * entries (the first pass took them).
     */
    private static final class Side implements RecordingReader.SideData {
        final List<UsageSnapshot> samples = new ArrayList<>();
        final Map<String, String> facts = new LinkedHashMap<>();
        private final SlabSysfs sysfs;
        /** The recording kernel's CPUs (one stream each): the samples' per-CPU slab slack. */
        private final int cpus;
        private final boolean withSamples;
        private long seen;
        private int stride = 1;

        Side(SlabSysfs sysfs, int cpus, boolean withSamples) {
            this.sysfs = sysfs;
            this.cpus = cpus;
            this.withSamples = withSamples;
        }

        @Override
        public boolean wantsSamples() {
            return withSamples;
        }

        @Override
        public boolean wantsCgroups() {
            return false;
        }

        @Override
        public void sample(long nanos, String slabinfo, String where) {
            if (seen++ % stride != 0) {
                return;
            }
            samples.add(ProcfsSource.snapshot(nanos, slabinfo, where, sysfs, cpus, null, null));
            if (samples.size() >= MAX_SAMPLES) {
                for (int i = samples.size() - 1; i > 0; i -= 2) {
                    samples.remove(i); // keep every other sample from the first
                }
                stride *= 2;
            }
        }

        @Override
        public void run(Map<String, String> f) {
            facts.putAll(f);
        }
    }

    /** True when {@code file} starts with the recording magic (dispatch by content, not by name). */
    public static boolean isRecording(Path file) {
        byte[] head = new byte[8];
        try (var in = java.nio.file.Files.newInputStream(file)) {
            return in.readNBytes(head, 0, 8) == 8
                    && java.util.Arrays.equals(head, pooltag.linux.recording.RecordingFormat.MAGIC);
        } catch (java.io.IOException e) {
            return false; // the capture parser names the unreadable file
        }
    }
}
