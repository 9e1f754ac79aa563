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
 * file), symbols from its kallsyms, and with {@code byCgroup} the cgroup decisions it carries. Two passes: the first
 * reads the side blocks without decoding a page (the slabinfo samples, parsed as the live run parsed them; the
 * cgroup decisions, needed before the first event is charged; the RUN facts), the second replays the events.
 */
public final class RecordingReplay {
    /** The replay's reorder window: events are ordered by timestamp across CPUs within a second of page reads. */
    public static final long WINDOW_NANOS = 1_000_000_000L;
    /** Samples kept; past it every other one is dropped and only every second one after is kept (same span). */
    public static final int MAX_SAMPLES = 4096;

    /**
     * @param samples       the SLABINFO_SAMPLE snapshots (CLOCK_MONOTONIC, as the events)
     * @param facts         the RUN block ({@code duration_ns}, {@code armed}, {@code tag_by}); empty when none
     * @param slabinfoStart {@code /proc/slabinfo} at the start (a tag resolves against it)
     * @param cgroupDecisionsDropped with {@code byCgroup}, decisions lost past a bound: not written by the recorder,
     *                               not kept by the reader or past the distinct paths a replay keeps (0 without)
     */
    public record Replayed(Ledger ledger, KernelSymbols symbols, RecordingReader.Replay health,
                           List<UsageSnapshot> samples, Map<String, String> facts, Map<String, String> meta,
                           String slabinfoStart, long cgroupDecisions, long cgroupDecisionsDropped) {
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
     * @param byCgroup tag allocations by cgroup from the file's CGROUPS entries; an error (one line) when it has
     *                 none
     */
    public static Replayed of(Path file, LedgerOptions options, boolean byCgroup) {
        List<UsageSnapshot> samples = new ArrayList<>();
        RecordedCgroups recorded = new RecordedCgroups();
        Map<String, String> facts = new LinkedHashMap<>();
        long[] readerDropped = new long[1];
        try (RecordingReader first = RecordingReader.open(file)) {
            SlabSysfs sysfs = first.slabSysfs();
            first.scanSide(new RecordingReader.SideData() {
                private long seen;
                private int stride = 1;

                @Override
                public void sample(long nanos, String slabinfo, String where) {
                    if (seen++ % stride != 0) {
                        return;
                    }
                    samples.add(ProcfsSource.snapshot(nanos, slabinfo, where, sysfs, null, null));
                    if (samples.size() >= MAX_SAMPLES) {
                        for (int i = samples.size() - 1; i > 0; i -= 2) {
                            samples.remove(i); // keep every other sample from the first
                        }
                        stride *= 2;
                    }
                }

                @Override
                public boolean wantsCgroups() {
                    return byCgroup; // entries are only kept for a replay that charges by them
                }

                @Override
                public void cgroup(long nanos, int pid, String path) {
                    recorded.cgroup(nanos, pid, path);
                }

                @Override
                public void run(Map<String, String> f) {
                    facts.putAll(f);
                }
            });
            readerDropped[0] = first.cgroupEntriesDropped();
        }
        if (byCgroup && recorded.decisions() == 0) {
            throw new PooltagException(file + " carries no cgroup decisions: record it with --tag-by cgroup"
                    + " (record --tag-by cgroup, or hunt --tag-by cgroup --record FILE)");
        }
        try (RecordingReader r = RecordingReader.open(file)) {
            KernelSymbols symbols = r.symbols();
            Ledger ledger = PublishingLedger.over(r.names(), r.slabSysfs(), symbols, options).ledger();
            if (byCgroup) {
                ledger.tagByCgroup(recorded);
            }
            RecordingReader.Replay rp = r.replay(ledger, WINDOW_NANOS);
            return new Replayed(ledger, symbols, rp, List.copyOf(samples), Map.copyOf(facts),
                    new LinkedHashMap<>(r.meta()), r.slabinfoStart(), recorded.decisions(),
                    byCgroup ? rp.cgroupDecisionsDropped() + readerDropped[0] + recorded.dropped() : 0);
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
