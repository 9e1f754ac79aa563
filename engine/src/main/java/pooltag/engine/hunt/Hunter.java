package pooltag.engine.hunt;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.rank.HuntReport;
import pooltag.core.rank.RankOptions;
import pooltag.core.rank.Suspect;
import pooltag.core.rank.SuspectRanker;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.engine.run.TracingRun;

/**
 * {@code pooltag hunt}: the whole workflow unattended, on the live kernel.
 *
 * <ol>
 *   <li>PoolMon: every kmem allocation and free goes to the ledger, which counts per cache and per call site and
 *       pairs frees with allocations; {@code /proc/slabinfo} is sampled every second as the independent witness.</li>
 *   <li>Breaking on the suspects (PoolHitTag): after {@link #ARM_FRACTION} of the hunt, the call sites the ranking
 *       likes best get a filtered {@code stacktrace} trigger, so only their allocations carry stacks from then on.
 *       Stacks are what tell a leak apart when its call site is generic ({@code sk_prot_alloc},
 *       {@code alloc_empty_file}); arming only the suspects keeps the cost of stacks off everything else.</li>
 *   <li>!poolfind and ranking: what is still outstanding and old, its growth, and how far procfs confirms it,
 *       turned into a confidence ({@link SuspectRanker}).</li>
 * </ol>
 */
public final class Hunter {
    /** Share of the hunt spent counting before the suspects' stacks are armed. */
    static final double ARM_FRACTION = 0.4;
    /** Call sites armed with stack triggers: enough for several leaks at once, few enough to stay cheap. */
    static final int ARMED_SITES = 8;
    /** /proc/slabinfo sampling period; also how late the arming may come after its time. */
    static final Duration PROCFS_EVERY = Duration.ofMillis(500);

    public record Result(HuntReport report, KernelSymbols symbols, List<UsageSnapshot> procfs, SessionStats stats,
                         List<String> armedSites, Ledger ledger) {
    }

    private Hunter() {
    }

    public static Result hunt(Duration duration, RankOptions options, PrintStream progress) throws InterruptedException {
        return hunt(duration, options, KmemTagPolicy.ledgerOptions(), progress);
    }

    /** @param ledgerOptions the ledger's: Linux's tag policy and the cap on outstanding allocations */
    public static Result hunt(Duration duration, RankOptions options, LedgerOptions ledgerOptions, PrintStream progress)
            throws InterruptedException {
        return hunt(duration, options, ledgerOptions, progress, TraceConfig.kmem());
    }

    /** @param config the trace settings (buffer size from the command's --buffer-kb / --rate) */
    public static Result hunt(Duration duration, RankOptions options, LedgerOptions ledgerOptions, PrintStream progress,
                              TraceConfig config)
            throws InterruptedException {
        KernelSymbols symbols = KernelSymbols.load();
        try (TracingRun run = TracingRun.open(symbols, config, ledgerOptions)) {
            Armer armer = new Armer(run.ledger(), symbols, run);
            run.start(armer);
            long armAt = System.nanoTime() + (long) (duration.toNanos() * ARM_FRACTION);
            if (progress != null) {
                progress.printf("pooltag hunt: tracing kmem events for %.1f s; stacks armed on the suspects after %.1f s;"
                        + " %s%n", duration.toMillis() / 1000.0, duration.toMillis() * ARM_FRACTION / 1000.0,
                        config.describeBuffer());
            }
            SessionStats stats = run.runFor(duration, PROCFS_EVERY, () -> {
                armer.procfs.clear();
                armer.procfs.addAll(run.procfsSeries());
                if (System.nanoTime() >= armAt) {
                    armer.armRequested = true;
                }
            });
            if (progress != null && stats != null) {
                progress.println("pooltag hunt: " + stats.describe());
            }
            HuntReport report = SuspectRanker.rank(run.ledger(), run.procfsSeries(), run.durationNanos(), options);
            return new Result(report, symbols, List.copyOf(run.procfsSeries()), stats, armer.armedSites(),
                    run.ledger());
        }
    }

    /**
     * The tap that arms stack triggers from the merge thread: the ranking must read the ledger on the thread that
     * writes it, so the main thread only raises {@link #armRequested} and the next event does the work (a few
     * milliseconds once; the kernel buffers events meanwhile).
     */
    static final class Armer implements AllocEventConsumer {
        private final Ledger ledger;
        private final KernelSymbols symbols;
        private final TracingRun run;
        final List<UsageSnapshot> procfs = new CopyOnWriteArrayList<>();
        volatile boolean armRequested;
        private volatile List<String> armed = List.of();
        private boolean done;

        Armer(Ledger ledger, KernelSymbols symbols, TracingRun run) {
            this.ledger = ledger;
            this.symbols = symbols;
            this.run = run;
        }

        List<String> armedSites() {
            return armed;
        }

        @Override
        public void onEvent(AllocEvent e) {
            if (armRequested && !done) {
                done = true;
                arm();
            }
        }

        private void arm() {
            RankOptions o = RankOptions.defaults().withKinds(Set.of(TagKind.SITE, TagKind.CACHE));
            HuntReport early = SuspectRanker.rank(ledger, new ArrayList<>(procfs), 0, o);
            Set<String> sites = new LinkedHashSet<>();
            for (Suspect s : early.suspects()) {
                if (sites.size() >= ARMED_SITES) {
                    break;
                }
                if (s.kind() == TagKind.SITE && symbols.resolveFunctionRange(s.tag()) != null) {
                    sites.add(s.tag());
                }
            }
            if (sites.isEmpty()) {
                return;
            }
            StringBuilder f = new StringBuilder();
            for (String site : sites) {
                if (f.length() > 0) {
                    f.append(" || ");
                }
                f.append("call_site.function == ").append(site);
            }
            var instance = run.session().instance();
            for (String event : List.of("kmem/kmalloc", "kmem/kmem_cache_alloc")) {
                if (instance.hasEvent(event)) {
                    instance.addStackTrigger(event, f.toString());
                }
            }
            armed = List.copyOf(sites);
        }

        @Override
        public void onLoss(int cpu, long count) {
        }
    }
}
