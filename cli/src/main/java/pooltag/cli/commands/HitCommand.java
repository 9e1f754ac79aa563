package pooltag.cli.commands;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import pooltag.cli.options.BufferOptions;
import pooltag.linux.kmem.StopSignals;
import pooltag.cli.options.DurationOption;
import pooltag.cli.options.TagParameter;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.TagByCgroupOption;
import pooltag.core.error.PooltagException;
import pooltag.core.ledger.Outstanding;
import pooltag.core.tag.TagKind;
import pooltag.linux.cgroup.PidCgroupResolver;
import pooltag.cli.render.HitPrinter;
import pooltag.engine.hit.HitTarget;
import pooltag.engine.hit.BreakDetector;
import pooltag.engine.run.TracingRun;
import pooltag.linux.procfs.ProcessNames;
import pooltag.engine.publish.AddressPolicy;
import pooltag.linux.symbols.Frames;
import pooltag.cli.render.LossLine;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.StackGroup;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/** {@code ed nt!poolhittag} + {@code g} + {@code kb}, unattended: every allocation and free of one tag, with its stack. */
@Command(name = "hit", mixinStandardHelpOptions = true,
        header = "PoolHitTag on the live kernel: print every allocation and free of TAG with its kernel stack.", sortOptions = false,
        description = {"PoolHitTag on the live kernel: break on every allocation and free of TAG and print it",
                "with its kernel stack (kb), without stopping the kernel. Only TAG's events carry stacks",
                "(a kernel-side filter on a stacktrace trigger), so the cost stays with the tag.",
                "At the end: the tag's allocations still outstanding, grouped by stack. Needs root."},
        footer = {"", "TAG: a slab cache (dentry), a kernel function (alloc_pipe_info), kmalloc-N, a module ([xfs]),",
                "or a wildcard over caches or functions (kmalloc-cg-*, site:pipe_*).",
                "Example: pooltag hit alloc_pipe_info --count 5 --duration 30"})
public final class HitCommand extends LedgerCommand implements Callable<Integer> {
    @Mixin
    TagParameter tag;

    @Mixin
    DurationOption duration;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "0",
            description = "stop after N breaks (0: no limit)")
    long count;

    @Mixin
    AddressesOption addressOption;

    @Mixin
    TagByCgroupOption tagBy;

    @Override
    public Integer call() throws InterruptedException {
        if (count < 0) {
            throw new PooltagException("--count must be 0 (no limit) or more, got " + count);
        }
        TagKind cgroupKind = tagBy.kind(); // checked before anything is loaded or opened
        PrintWriter out = spec.commandLine().getOut();
        AddressPolicy addresses = addressOption.policy();
        Duration d = duration.value();
        KernelSymbols symbols = KernelSymbols.load();
        HitTarget target = HitTarget.resolveLive(tag.value(), symbols);
        try (StopSignals signals = StopSignals.install(System.err)) {
        PidCgroupResolver resolver = cgroupKind != null ? PidCgroupResolver.live() : null;
        try (TracingRun run = TracingRun.open(symbols, target.config(buffer.apply(TraceConfig.kmem())),
                cap.ledgerOptions(), resolver)) {
            signals.onStop(run::requestStop);
            HitPrinter printer = new HitPrinter(out, symbols, run.session()::cacheName, addresses, count,
                    run::requestStop);
            if (resolver != null) {
                // The printer runs on the merge thread, the ledger's: the owner the ledger recorded for the block.
                Ledger l = run.ledger();
                printer.cgroups(id -> l.tagName(TagKind.CGROUP, id));
            }
            ProcessNames comms = new ProcessNames();
            BreakDetector detector = new BreakDetector(run.ledger(), () -> symbols, run.session()::cacheName,
                    comms::of, printer);
            detector.arm(target, Long.MIN_VALUE, 1);
            // said when tracing goes on (after the warm-up), and so before any break is printed
            run.onTracingOn(() -> {
                out.printf("PoolHitTag = %s (%s): breaking on its allocations and frees for %s%s; Ctrl-C stops%n",
                        addresses.names(target.tag()), addresses.names(describe(target))
                                + (target.mergeNote().isEmpty() ? "" : "; " + target.mergeNote()),
                        duration.text(), count > 0 ? " or " + count + " breaks" : "");
                out.flush();
            });
            run.start(detector);
            run.runFor(d, Duration.ofSeconds(1), null);
            Ledger ledger = run.ledger();
            out.println();
            List<StackGroup> groups = new ArrayList<>();
            for (String name : target.ledgerNames()) {
                int id = ledger.tagId(target.kind(), name);
                if (id >= 0) {
                    groups.addAll(ledger.outstandingByStack(target.kind(), id));
                }
            }
            long n = groups.stream().mapToLong(StackGroup::count).sum();
            long bytes = groups.stream().mapToLong(StackGroup::bytes).sum();
            out.printf("%d breaks. Outstanding %s allocations made while watching: %d (%d bytes) in %d stacks%n",
                    printer.breaks(), addresses.names(target.tag()), n, bytes, groups.size());
            for (StackGroup g : groups) {
                out.printf(" %s  %d allocations, %d bytes%n", g.tag(), g.count(), g.bytes());
                List<String> frames = Frames.symbolize(symbols, g.frames());
                for (int i = 0; i < frames.size() && i < 16; i++) {
                    out.printf("    %02x %s%n", i, frames.get(i));
                }
            }
            if (resolver != null) {
                printByCgroup(out, ledger, target, cgroupKind, addresses);
            }
            out.println(LossLine.of(ledger.stats().loss()));
            out.println(" (unpaired frees here are mostly frees of blocks allocated before watching began)");
            out.flush();
        }
        }
        return 0;
    }

    /**
     * With {@code --tag-by cgroup}: the tag's outstanding allocations by the cgroup (or, for {@code cgroup,cache} and
     * {@code cgroup,site}, the tag@cgroup pair) that holds them, most bytes first.
     */
    private static void printByCgroup(PrintWriter out, Ledger ledger, HitTarget target, TagKind kind,
                                      AddressPolicy addresses) {
        java.util.Map<String, long[]> by = new java.util.HashMap<>();
        for (String name : target.ledgerNames()) {
            int id = ledger.tagId(target.kind(), name);
            if (id < 0) {
                continue;
            }
            for (Outstanding o : ledger.outstanding(target.kind(), id, Integer.MAX_VALUE)) {
                String key = kind == TagKind.CGROUP ? o.cgroup()
                        : addresses.names(kind == TagKind.CGROUP_CACHE ? o.cache() : o.site())
                                + Ledger.PAIR_SEPARATOR + o.cgroup();
                long[] c = by.computeIfAbsent(key, k -> new long[3]);
                c[0]++;
                c[1] += o.bytes();
                c[2] += o.accounted() ? 1 : 0;
            }
        }
        printRows(out, kind == TagKind.CGROUP ? "cgroup" : "tag@cgroup", by);
    }

    /** Rows shown of the by-cgroup table; the rest are counted on a line of their own. */
    static final int CGROUP_ROWS = 10;

    /** {@code by}: key → {allocations, bytes, accounted}; most bytes first, at most {@link #CGROUP_ROWS}. */
    static void printRows(PrintWriter out, String label, java.util.Map<String, long[]> by) {
        if (by.isEmpty()) {
            out.printf("By %s: none outstanding%n", label);
            return;
        }
        out.printf("By %s:%n", label);
        by.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(CGROUP_ROWS)
                .forEach(e -> out.printf(" %-60s %8d allocations %10d bytes, %d accounted%n", e.getKey(),
                        e.getValue()[0], e.getValue()[1], e.getValue()[2]));
        if (by.size() > CGROUP_ROWS) {
            long allocs = 0;
            long bytes = 0;
            long[][] rest = by.values().stream().sorted((a, b) -> Long.compare(b[1], a[1])).skip(CGROUP_ROWS)
                    .toArray(long[][]::new);
            for (long[] r : rest) {
                allocs += r[0];
                bytes += r[1];
            }
            out.printf(" ... %d more (%d allocations, %d bytes)%n", rest.length, allocs, bytes);
        }
    }

    /** The kind and, when they differ from the tag as typed, the names it resolved to ({@code cache: kmalloc-1k}). */
    static String describe(HitTarget target) {
        String names = String.join(", ", target.ledgerNames());
        return names.equals(target.tag()) ? target.kind().label() : target.kind().label() + ": " + names;
    }
}
