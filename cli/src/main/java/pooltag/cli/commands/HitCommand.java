package pooltag.cli.commands;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import pooltag.linux.kmem.StopSignals;
import pooltag.cli.render.HitPrinter;
import pooltag.engine.hit.HitTarget;
import pooltag.engine.run.LiveRun;
import pooltag.engine.publish.Addresses;
import pooltag.linux.symbols.Frames;
import pooltag.cli.render.LossLine;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.StackGroup;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/** {@code ed nt!poolhittag} + {@code g} + {@code kb}, unattended: every allocation and free of one tag, with its stack. */
@Command(name = "hit", sortOptions = false,
        description = {"PoolHitTag on the live kernel: break on every allocation and free of TAG and print it",
                "with its kernel stack (kb), without stopping the kernel. Only TAG's events carry stacks",
                "(a kernel-side filter on a stacktrace trigger), so the cost stays with the tag.",
                "At the end: the tag's allocations still outstanding, grouped by stack. Needs root."},
        footer = {"", "TAG: a slab cache (dentry), a kernel function (alloc_pipe_info) or kmalloc-N.",
                "Example: pooltag hit alloc_pipe_info --count 5"})
public final class HitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    MaxOutstandingOption cap;

    @Parameters(index = "0", paramLabel = "TAG", description = "cache, kernel function or kmalloc-N")
    String tag;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Option(names = {"-d", "--duration"}, paramLabel = "D", defaultValue = "10s",
            description = "how long to watch: 500ms, 10s, 5m (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "0",
            description = "stop after N breaks (0: no limit)")
    long count;

    @Option(names = "--show-addresses", description = "print raw kernel addresses (root only; a KASLR leak)")
    boolean showAddresses;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Addresses addresses = Addresses.forUser(showAddresses);
        Duration d = RecordCommand.parseDuration(duration);
        KernelSymbols symbols = KernelSymbols.load();
        HitTarget target = HitTarget.resolve(tag, symbols, buffer.apply(TraceConfig.kmem()));
        HitPrinter[] printer = new HitPrinter[1];
        LiveRun[] runRef = new LiveRun[1];
        try (StopSignals signals = StopSignals.install(System.err)) {
        try (LiveRun run = LiveRun.open(symbols, target.config(), cap.ledgerOptions(), ledger -> {
            printer[0] = new HitPrinter(out, ledger, symbols, id -> runRef[0].session().cacheName(id), target.kind(),
                    target.ledgerName(), addresses, count, () -> runRef[0].requestStop());
            return printer[0];
        })) {
            runRef[0] = run;
            signals.onStop(run::requestStop);
            out.printf("PoolHitTag = %s (%s): breaking on its allocations and frees for %s%s; Ctrl-C stops%n",
                    target.tag(), target.kind().label(), duration, count > 0 ? " or " + count + " breaks" : "");
            out.flush();
            run.run(d, Duration.ofSeconds(1), null);
            Ledger ledger = run.ledger();
            out.println();
            int id = ledger.tagId(target.kind(), target.ledgerName());
            List<StackGroup> groups = id < 0 ? List.of() : ledger.outstandingByStack(target.kind(), id);
            long n = groups.stream().mapToLong(StackGroup::count).sum();
            long bytes = groups.stream().mapToLong(StackGroup::bytes).sum();
            out.printf("%d breaks. Outstanding %s allocations made while watching: %d (%d bytes) in %d stacks%n",
                    printer[0].breaks(), target.tag(), n, bytes, groups.size());
            for (StackGroup g : groups) {
                out.printf(" %s  %d allocations, %d bytes%n", g.tag(), g.count(), g.bytes());
                List<String> frames = Frames.symbolize(symbols, g.frames());
                for (int i = 0; i < frames.size() && i < 16; i++) {
                    out.printf("    %02x %s%n", i, frames.get(i));
                }
            }
            out.println(LossLine.of(ledger.stats().loss()));
            out.println(" (unpaired frees here are mostly frees of blocks allocated before watching began)");
            out.flush();
        }
        }
        return 0;
    }
}
