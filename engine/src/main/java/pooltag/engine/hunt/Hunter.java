package pooltag.engine.hunt;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.ledger.RecentSites;
import pooltag.core.rank.HuntReport;
import pooltag.core.rank.RankOptions;
import pooltag.core.rank.StackSummary;
import pooltag.core.rank.Suspect;
import pooltag.core.rank.SuspectRanker;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.StopSignals;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.engine.run.RecordingReplay;
import pooltag.engine.run.TracingRun;
import pooltag.core.ledger.CgroupResolver;
import pooltag.linux.cgroup.PidCgroupResolver;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.procfs.ThreadIds;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.recording.RecordingSink;

/**
 * {@code pooltag hunt}: the whole workflow unattended, on the live kernel.
 *
 * <ol>
 *   <li>PoolMon: every kmem allocation and free goes to the ledger, which counts per cache and per call site and
 *       pairs frees with allocations; {@code /proc/slabinfo} is sampled every half second as the independent
 *       witness.</li>
 *   <li>Breaking on the leaders (PoolHitTag): from the first published frame on, the call sites holding the most
 *       outstanding allocations made between {@link #LEADER_WINDOW} and {@link #LEADER_AGE} ago get a filtered
 *       {@code stacktrace} trigger, re-armed after every slabinfo sample as the leaders change, so a suspect carries
 *       stacks from early on and one that rises late still gets them. Stacks are what name the system call and tell
 *       a leak apart when its call site is generic ({@code sk_prot_alloc}, {@code alloc_empty_file}); arming only the
 *       leaders keeps the cost of stacks off everything else.</li>
 *   <li>!poolfind and ranking: what is still outstanding and old, its growth, and how far procfs confirms it,
 *       turned into findings with a confidence ({@link SuspectRanker}).</li>
 * </ol>
 *
 * <p><b>Threads.</b> The session's merge thread only reads, merges, decodes and pairs; the ledger counts recent
 * allocations per site as it pairs ({@link Ledger#trackRecentSites}) and publishes them with its snapshots. The
 * calling thread samples {@code /proc/slabinfo}, ranks the leaders from the published frame and writes the triggers
 * ({@link #trace}); after the run stops it ranks the suspects ({@link SuspectRanker#rank}).
 *
 * <p><b>Trigger budget.</b> The kernel takes one {@code stacktrace} trigger per event (a second is refused with
 * EEXIST, measured on 6.18), so the leaders share one filter, an OR of one term per site (its function's address
 * range: {@link KernelSymbols#callSiteWithin}), on {@code kmalloc} and on {@code kmem_cache_alloc} (and their
 * {@code _node} twins on kernels before 6.1); re-arming replaces it. The kernel accepted a 120-term (4.9 KB)
 * filter here; the hunter arms at most {@link #ARMED_SITES} sites, which bounds the stack records (each about
 * 150 B in the ring buffer) to the allocations of those sites.
 *
 * <p><b>Stack budget.</b> A stack record costs the allocating task about 1.3 µs of unwinding and copying (measured on
 * this 2-CPU 6.18 machine: 2.6 M stacks on eight of fsbench's call sites slowed it from 1.25x to 1.8x of its
 * untraced time), and the busiest sites of a busy machine lead whenever nothing leaks (ext4's inodes, dentries,
 * buffer heads under a file workload at tens of thousands a second each). So each site may cost
 * {@link #STACKS_PER_SITE_PER_S} stack records a second on average: a site armed for a period is charged its
 * allocations in that period, the charge drains at the budget's rate, and a site still in debt is not armed. A
 * leak at hundreds a second stays armed throughout; a site at 50,000 a second is armed for one period, then rests
 * about 12 s.
 */
public final class Hunter {
    /** Call sites armed with stack triggers at once: the leaders, kept while they stay near the top. */
    static final int ARMED_SITES = 16;
    /** Stack records a second, on average, that one armed site may cost (see the class comment). */
    static final double STACKS_PER_SITE_PER_S = 2000;
    /** Seconds a site stays armed before it yields its slot to leaders that have not been armed yet. */
    static final double SERVED_S = 1.0;
    /** RUN fact of a recorded hunt: the kernel task id of its arming thread ({@link pooltag.core.ledger.Ledger#tracerTask}). */
    static final String TRACER_TASK = "tracer_task";
    /** RUN fact of a recorded hunt: the sites armed and when, {@code site@seconds} in arming order. */
    static final String ARMED = "armed";
    /** RUN fact of a recorded hunt: the sites left unarmed at times for their stack budget, {@code site@armings}. */
    static final String HELD_BACK = "held_back";
    /** Leaders are counted over outstanding allocations at least this old: younger ones are churn in flight. */
    static final long LEADER_AGE = 300_000_000L;
    /**
     * ... and at most this old: a leader grows now; a population made early in the hunt that no longer grows (a
     * long-lived process's mappings) must not hold the budget.
     */
    static final long LEADER_WINDOW = 2_300_000_000L;

    /**
     * @param armedSites every site that carried a stack trigger during the hunt, in arming order
     * @param armedAtS   seconds into the hunt each of them was first armed
     * @param stackNotes why a top-5 suspect has no stack, when it has none
     * @param heldBackPeriods the sites the stack budget left unarmed at times, with how many arming periods each
     * @param stats      the live session's stats; null for a replay
     * @param replay     a replay's health (cut short, skipped pages, malformed records); null live
     */
    public record Result(HuntReport report, KernelSymbols symbols, List<UsageSnapshot> procfs, SessionStats stats,
                         List<String> armedSites, Ledger ledger, Map<String, Double> armedAtS,
                         List<String> stackNotes, Map<String, Long> heldBackPeriods,
                         RecordingReader.Replay replay) {
    }

    private Hunter() {
    }

    public static Result hunt(Duration duration, RankOptions options, PrintStream progress) throws InterruptedException {
        return hunt(duration, options, KmemTagPolicy.ledgerOptions(), progress, null);
    }

    /**
     * @param ledgerOptions the ledger's: Linux's tag policy and the cap on outstanding allocations
     * @param signals       when not null, its first SIGINT/SIGTERM ends the tracing early; the ranking still runs
     */
    public static Result hunt(Duration duration, RankOptions options, LedgerOptions ledgerOptions, PrintStream progress,
                              StopSignals signals)
            throws InterruptedException {
        return hunt(duration, options, ledgerOptions, progress, TraceConfig.kmem(), signals);
    }

    /** @param config the trace settings (buffer size from the command's --buffer-kb / --rate) */
    public static Result hunt(Duration duration, RankOptions options, LedgerOptions ledgerOptions, PrintStream progress,
                              TraceConfig config, StopSignals signals)
            throws InterruptedException {
        return hunt(duration, options, ledgerOptions, progress, config, null, signals);
    }

    /**
     * @param cgroups when not null, every allocation is also tagged by the cgroup of the task that made it
     *                ({@code --tag-by cgroup}); resolved on the merge thread
     * @param signals when not null, its first SIGINT/SIGTERM ends the tracing early; the ranking still runs
     */
    public static Result hunt(Duration duration, RankOptions options, LedgerOptions ledgerOptions, PrintStream progress,
                              TraceConfig config, CgroupResolver cgroups, StopSignals signals)
            throws InterruptedException {
        return hunt(duration, options, ledgerOptions, progress, config, cgroups, signals, null);
    }

    /**
     * @param recordTo when not null, the run is also written to this recording as it goes (pages, slabinfo samples,
     *                 pool kinds, cgroup decisions, what was armed and when), so {@link #replay} of the file ranks
     *                 what this hunt ranked
     */
    public static Result hunt(Duration duration, RankOptions options, LedgerOptions ledgerOptions, PrintStream progress,
                              TraceConfig config, CgroupResolver cgroups, StopSignals signals, Path recordTo)
            throws InterruptedException {
        KernelSymbols symbols = KernelSymbols.load();
        config = config.withBulkSubbuf();
        try (TracingRun run = TracingRun.open(symbols, config, ledgerOptions, cgroups)) {
            Armer armer = traceArmed(run, symbols, duration, progress, config, cgroups, signals, recordTo, "hunt");
            HuntReport report = SuspectRanker.rank(run.ledger(), run.procfsSeries(), run.durationNanos(), options);
            Map<String, Double> armedAt = armer.armedAtS();
            Map<String, Long> heldBack = armer.heldBack();
            return new Result(report, symbols, List.copyOf(run.procfsSeries()), run.stats(),
                    List.copyOf(armedAt.keySet()), run.ledger(), armedAt,
                    stackNotes(report, armedAt, heldBack.keySet()), heldBack, null);
        }
    }

    /**
     * {@code record --stacks leaders}: the hunt's tracing (every kmem event, stacks armed on the leading call sites as the hunt
     * arms them, /proc/slabinfo twice a second) written to {@code out}, without a ranking. {@code hunt --from} on
     * the file ranks it.
     *
     * @return the run's stats, and why it stopped early for room on the file's disk (or null)
     */
    public static Recorded record(Duration duration, LedgerOptions ledgerOptions, PrintStream progress,
                                  TraceConfig config, CgroupResolver cgroups, StopSignals signals, Path out)
            throws InterruptedException {
        KernelSymbols symbols = KernelSymbols.load();
        TraceConfig bulk = config.withBulkSubbuf(); // 64 KiB sub-buffers, as hunt and record read
        try (TracingRun run = TracingRun.open(symbols, bulk, ledgerOptions, cgroups)) {
            traceArmed(run, symbols, duration, progress, bulk, cgroups, signals, out, "record");
            return new Recorded(run.stats(), run.outOfRoom());
        }
    }

    /**
     * What {@code record --stacks leaders} traced.
     *
     * @param outOfRoom why it stopped before its duration to keep room on the file's disk ({@code DiskRoom}), or null
     */
    public record Recorded(SessionStats stats, String outOfRoom) {
    }

    /**
     * The traced part of a hunt, one copy for {@code hunt} and {@code record --stacks leaders} (the run already tags by
     * cgroup when asked: {@link TracingRun#open(KernelSymbols, TraceConfig, LedgerOptions, CgroupResolver)}): sets
     * the recording, then {@link #trace} (the {@link Armer} re-arms after every /proc/slabinfo sample, on this
     * thread), and finishes the recording with what the run did.
     */
    private static Armer traceArmed(TracingRun run, KernelSymbols symbols, Duration duration, PrintStream progress,
                                    TraceConfig config, CgroupResolver cgroups, StopSignals signals, Path recordTo,
                                    String what) throws InterruptedException {
        if (recordTo != null) {
            RecordingSink sink = run.recordTo(recordTo, progress == null ? System.err : progress);
            if (cgroups instanceof PidCgroupResolver live) {
                live.onDecision(sink.cgroups()); // the decisions the ledger's charges follow, kept for the replay
            }
        }
        // The armer writes trigger filters from this thread (runFor's onSample): its own allocations are no leader.
        int armingTask = ThreadIds.current();
        run.ledger().trackRecentSites(LEADER_AGE, LEADER_WINDOW, armingTask);
        Armer armer = new Armer(run.ledger()::recentSites, SuspectRanker::leadingSites,
                new KernelTriggers(symbols, run));
        if (signals != null) {
            signals.onStop(run::requestStop);
            if (recordTo != null && what.equals("record")) {
                // record --stacks leaders finishes its file as plain record does: a second signal says what is left,
                // a third cuts the file and says what it holds (a hunt's second signal still aborts its report)
                signals.finishing(run.recording().finishing(run.session()));
            }
        }
        if (progress != null) {
            // said when tracing goes on, after the warm-up: a workload started on this line is traced from its start
            run.onTracingOn(() -> progress.printf(Locale.ROOT, "pooltag %s: tracing kmem events for %.1f s; stacks"
                    + " armed on the leading call sites every %d ms, at most %,.0f stack records/s per site on average;"
                    + " %s%s%n", what, duration.toMillis() / 1000.0, ProcfsSource.SAMPLE_EVERY.toMillis(),
                    STACKS_PER_SITE_PER_S, config.describeBuffer(), recordTo == null ? "" : "; recording to " + recordTo));
        }
        SessionStats stats = trace(run, duration, ProcfsSource.SAMPLE_EVERY, armer);
        if (progress != null && stats != null) {
            progress.println("pooltag " + what + ": " + stats.describe());
        }
        if (progress != null) {
            Map<String, Long> held = armer.heldBack();
            progress.printf(Locale.ROOT, "pooltag %s: stacks: %d call sites armed; %d went over the stack budget and"
                    + " were armed in bursts (%d arming periods skipped)%n", what, armer.armedAtS().size(),
                    held.size(), held.values().stream().mapToLong(Long::longValue).sum());
        }
        if (progress != null && cgroups instanceof PidCgroupResolver live) {
            // The cgroup tags' health: tasks charged to [exited], evictions and folded paths are counted, not silent.
            progress.println("pooltag " + what + ": " + live.describe());
        }
        if (recordTo != null) {
            Map<String, String> facts = new LinkedHashMap<>();
            facts.put("duration_ns", Long.toString(run.durationNanos()));
            facts.put(ARMED, siteFact(armer.armedAtS()));
            facts.put(HELD_BACK, siteFact(armer.heldBack()));
            facts.put("tag_by", cgroups != null ? "cgroup" : "");
            if (armingTask >= 0) {
                facts.put(TRACER_TASK, Integer.toString(armingTask)); // so that hunt --from leaves them out too
            }
            run.finishRecording(facts);
            // Said even with --json (on standard error): where the file went, and what it holds.
            RecordingSink sink = run.recording();
            (progress != null ? progress : System.err).printf("pooltag %s: recorded %d pages, %d slabinfo samples,"
                    + " %d cgroup decisions, %d bytes, to %s%s%s%n", what, sink.pages(), sink.samplesWritten(),
                    sink.cgroups().entries(), sink.bytes(), recordTo, RecordingSink.dropped(sink),
                    run.outOfRoom() == null ? "" : " (" + run.outOfRoom() + ")");
        }
        return armer;
    }

    /**
     * {@code hunt --from FILE}: the same verdicts offline. The recording is replayed into a ledger like the live
     * run's ({@link RecordingReplay}) and ranked over the run's own length with the slabinfo samples it took, so a
     * recording of a hunt ({@code hunt --record}) ranks as that hunt ranked.
     *
     * @param byCgroup tag by cgroup from the recording's CGROUPS entries (an error when it has none)
     */
    public static Result replay(Path file, RankOptions options, LedgerOptions ledgerOptions, boolean byCgroup) {
        RecordingReplay.Replayed rp = RecordingReplay.withSamples(file, ledgerOptions, byCgroup);
        rp.ledger().setTracerTask(taskId(rp.facts().getOrDefault(TRACER_TASK, "")));
        HuntReport report = SuspectRanker.rank(rp.ledger(), rp.samples(), rp.durationNanos(), options);
        Map<String, Double> armedAt = new LinkedHashMap<>();
        siteFact(rp.facts().getOrDefault(ARMED, "")).forEach((site, at) -> armedAt.put(site, parseDouble(at)));
        Map<String, Long> heldBack = new LinkedHashMap<>();
        siteFact(rp.facts().getOrDefault(HELD_BACK, "")).forEach((site, n) -> heldBack.put(site, parsePeriods(n)));
        return new Result(report, rp.symbols(), rp.samples(), null, List.copyOf(armedAt.keySet()), rp.ledger(),
                armedAt, stackNotes(report, armedAt, heldBack.keySet()), heldBack, rp.health());
    }

    /** A RUN fact listing sites with a value each, {@code site@value,site@value}, in the map's order. */
    static String siteFact(Map<String, ?> values) {
        StringBuilder out = new StringBuilder();
        values.forEach((site, v) -> out.append(out.isEmpty() ? "" : ",").append(site).append('@').append(v));
        return out.toString();
    }

    /** {@link #siteFact(Map)} read back from a file's text: site to value, in order; an item without a site skipped. */
    static Map<String, String> siteFact(String fact) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : fact.isEmpty() ? new String[0] : fact.split(",")) {
            int at = item.lastIndexOf('@');
            if (at > 0) {
                out.put(item.substring(0, at), item.substring(at + 1));
            }
        }
        return out;
    }

    /** A RUN fact's task id (a file's text: anything but a pid-sized non-negative number is none, -1). */
    static int taskId(String s) {
        String t = s.strip();
        if (t.isEmpty() || t.length() > 10 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long v = Long.parseLong(t);
        return v <= Integer.MAX_VALUE ? (int) v : -1;
    }

    /** A held-back site's count of arming periods; 0 for a damaged value (the site is still listed). */
    private static long parsePeriods(String s) {
        try {
            return Math.max(0, Long.parseLong(s));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double parseDouble(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Why each of the top five suspects without a stack has none.
     *
     * @param heldBack the sites left unarmed at times for being over their stack budget
     */
    static List<String> stackNotes(HuntReport r, Map<String, Double> armedAt, Set<String> heldBack) {
        List<String> out = new ArrayList<>();
        List<Suspect> top = r.suspects().subList(0, Math.min(5, r.suspects().size()));
        for (Suspect s : top) {
            boolean stacked = s.topStacks().stream().anyMatch(st -> st.frames().length > 0);
            if (stacked) {
                continue;
            }
            String site = s.kind() == TagKind.SITE ? s.tag() : null;
            if (site == null) {
                out.add(s.tag() + ": no stack: none of its call sites led while tracing, so none was armed");
            } else if (!armedAt.containsKey(site)) {
                out.add(s.tag() + ": no stack: it never led the outstanding allocations while tracing, so it was"
                        + " never armed");
            } else {
                long noStack = s.topStacks().stream().filter(st -> st.frames().length == 0)
                        .mapToLong(StackSummary::outstanding).sum();
                if (heldBack.contains(site)) {
                    out.add(String.format(java.util.Locale.ROOT, "%s: no stack: allocating faster than the stack"
                            + " budget (%,.0f records/s), it was armed in bursts from %.1f s into the hunt, and none"
                            + " of its %d outstanding allocations was made during one", s.tag(),
                            STACKS_PER_SITE_PER_S, armedAt.get(site), noStack));
                } else {
                    out.add(String.format(java.util.Locale.ROOT, "%s: no stack: armed %.1f s into the hunt, after"
                            + " its %d outstanding allocations were made (or their stack records were lost)", s.tag(),
                            armedAt.get(site), noStack));
                }
            }
        }
        return out;
    }

    /**
     * Traces for {@code duration} with no tap: the merge thread only reads, merges, decodes and pairs (and publishes
     * on its tick). This thread samples {@code /proc/slabinfo} every {@code every} and, after each sample, re-arms
     * the leaders from the ledger's published frame ({@link Armer#arm}), so a slow ranking or a slow trigger write
     * delays the next sample, never an event.
     */
    static SessionStats trace(TracingRun run, Duration duration, Duration every, Armer armer)
            throws InterruptedException {
        run.start(null); // after the merge path's warm-up: the armer's times count from tracing on
        armer.startNanos = System.nanoTime();
        return run.runFor(duration, every, armer::arm);
    }

    /** Picks the leading sites from a published frame ({@link SuspectRanker#leadingSites}; a test's may be slow). */
    interface LeaderRanker {
        int[] leaders(RecentSites recent, int n);
    }

    /** Where the armer's filter goes: the session's stack triggers (a test records them instead). */
    interface Triggers {
        /** Whether a stack trigger can name {@code site} (a kernel function the filter grammar resolves). */
        boolean armable(String site);

        /** The filter term that matches the allocations of an {@link #armable} site. */
        String term(String site);

        /**
         * Replaces the leaders' stack triggers: {@code previous} (null when none stands) out, {@code filter} (null:
         * none) in.
         */
        void replace(String previous, String filter);
    }

    /** The live session's {@code stacktrace} triggers on {@code kmalloc} and {@code kmem_cache_alloc}. */
    static final class KernelTriggers implements Triggers {
        private final KernelSymbols symbols;
        private final TracingRun run;

        KernelTriggers(KernelSymbols symbols, TracingRun run) {
            this.symbols = symbols;
            this.run = run;
        }

        @Override
        public boolean armable(String site) {
            return symbols.resolveFunctionRange(site) != null;
        }

        @Override
        public String term(String site) {
            return KernelSymbols.callSiteWithin(symbols.resolveFunctionRange(site));
        }

        @Override
        public void replace(String previous, String filter) {
            var instance = run.session().instance();
            for (String event : List.of("kmem/kmalloc", "kmem/kmem_cache_alloc")) {
                if (instance.hasEvent(event)) {
                    if (previous != null) {
                        instance.removeStackTrigger(event, previous);
                    }
                    if (filter != null) {
                        instance.addStackTrigger(event, filter);
                    }
                }
            }
        }
    }

    /**
     * Arms stack triggers on the leaders, off the merge thread: {@link #arm} runs on the thread that samples
     * {@code /proc/slabinfo} and reads only the ledger's published {@link RecentSites} frame (at most one publishing
     * period, 250 ms, old), never the live outstanding table. One ranking of O(sites) per call and, when the leaders
     * changed, two trigger writes.
     */
    static final class Armer {
        private final Supplier<RecentSites> frames;
        private final LeaderRanker ranker;
        private final Triggers triggers;
        volatile long startNanos;
        private final Map<String, Double> armedAt = new LinkedHashMap<>();
        private List<String> current = List.of();
        private String filter;
        /** Per site id (the ledger's): its allocations as of {@link #chargedAt}. */
        private long[] allocsThen = new long[0];
        /** Per site id: stack records owed beyond the budget; armed again only at 0. */
        private double[] stackDebt = new double[0];
        /** Event-clock time of the frame last charged, MIN_VALUE before the first. */
        private long chargedAt = Long.MIN_VALUE;
        /**
         * Every site armed at some moment since {@link #chargedAt}: what the next charge bills (a site armed and
         * dropped again between two frames still cost its stacks).
         */
        private Set<String> armedSinceCharge = new java.util.HashSet<>();
        /** Per site, the armings that left it unarmed because it was over its stack budget; in first-held order. */
        private final Map<String, Long> heldBack = new LinkedHashMap<>();

        Armer(Supplier<RecentSites> frames, LeaderRanker ranker, Triggers triggers) {
            this.frames = frames;
            this.ranker = ranker;
            this.triggers = triggers;
        }

        synchronized Map<String, Double> armedAtS() {
            return new LinkedHashMap<>(armedAt);
        }

        /** Per site, the armings so far that left it unarmed because it was over its stack budget. */
        synchronized Map<String, Long> heldBack() {
            return new LinkedHashMap<>(heldBack);
        }

        /**
         * Charges each site armed since the last frame its allocations since then (each cost a stack record), and
         * drains every debt by the budget for the time between the two frames. Frames are the ledger's, so times are
         * on the event clock; a frame seen twice charges nothing (and answers false).
         */
        private boolean charge(RecentSites recent) {
            int n = recent.sites();
            if (allocsThen.length < n) { // before anything else: a frame at the same time may still bring new sites
                allocsThen = java.util.Arrays.copyOf(allocsThen, n);
                stackDebt = java.util.Arrays.copyOf(stackDebt, n);
            }
            long at = recent.takenAtNanos();
            if (at == chargedAt) {
                return false;
            }
            double seconds = chargedAt == Long.MIN_VALUE ? 0 : Math.max(0, at - chargedAt) / 1e9;
            for (int id = 0; id < n; id++) {
                long allocs = recent.allocs(id);
                double debt = stackDebt[id];
                if (armedSinceCharge.contains(recent.name(id))) {
                    debt += Math.max(0, allocs - allocsThen[id]);
                }
                stackDebt[id] = Math.max(0, debt - STACKS_PER_SITE_PER_S * seconds);
                allocsThen[id] = allocs;
            }
            chargedAt = at;
            return true;
        }

        /** First armed at least {@link #SERVED_S} ago. */
        private synchronized boolean served(String site, double nowS) {
            Double at = armedAt.get(site);
            return at != null && nowS - at >= SERVED_S;
        }

        /** Re-arms from the latest published frame; nothing to do before the first one. */
        void arm() {
            RecentSites recent = frames.get();
            if (recent == null) {
                return;
            }
            boolean charged = charge(recent);
            rearm(recent);
            if (charged) { // the next charge bills from here: what stands now, and whatever is armed before it
                armedSinceCharge = new java.util.HashSet<>(current);
            } else {
                armedSinceCharge.addAll(current);
            }
        }

        /** Picks the leaders out of debt and, when they changed, writes their trigger. */
        private void rearm(RecentSites recent) {
            int[] leaders = ranker.leaders(recent, 2 * ARMED_SITES);
            List<String> ranked = new ArrayList<>(leaders.length);
            int armable = 0;
            for (int id : leaders) {
                String site = recent.name(id);
                if (!triggers.armable(site)) {
                    continue;
                }
                boolean inDebt = stackDebt[id] > 0;
                if (inDebt && armable < ARMED_SITES) { // held back from a slot it would have had (below, it had none)
                    synchronized (this) {
                        heldBack.merge(site, 1L, Long::sum);
                    }
                }
                armable++; // armable leaders ranked so far, in debt or not
                if (!inDebt) {
                    ranked.add(site);
                }
            }
            // Leaders not yet served first, then served ones while slots remain. A site armed for SERVED_S has its
            // stacks (a leader allocates many times a second, and a survivor keeps its stack); keeping it armed while
            // it stays near the top let the machine's busiest sites hold every slot, so a leak that began later was
            // never armed and its finding named no system call (issue 11, the 3 s corpus verdicts).
            double now = (System.nanoTime() - startNanos) / 1e9;
            Set<String> next = new LinkedHashSet<>();
            for (String s : ranked) {
                if (next.size() < ARMED_SITES && !served(s, now)) {
                    next.add(s);
                }
            }
            for (String s : ranked) {
                if (next.size() < ARMED_SITES) {
                    next.add(s);
                }
            }
            if (next.equals(new LinkedHashSet<>(current))) {
                return;
            }
            if (next.isEmpty()) { // no armable leader out of debt (or none leads at all): no stacks until there is one
                triggers.replace(filter, null);
                filter = null;
                current = List.of();
                return;
            }
            StringBuilder f = new StringBuilder();
            for (String site : next) {
                if (f.length() > 0) {
                    f.append(" || ");
                }
                f.append(triggers.term(site));
            }
            triggers.replace(filter, f.toString());
            filter = f.toString();
            current = List.copyOf(next);
            double at = (System.nanoTime() - startNanos) / 1e9;
            synchronized (this) {
                for (String s : next) {
                    armedAt.putIfAbsent(s, at);
                }
            }
        }
    }
}
