package pooltag.cli.commands;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import pooltag.cli.options.DurationOption;
import pooltag.cli.options.JsonOption;
import pooltag.cli.options.BufferOptions;
import pooltag.engine.hunt.Hunter;
import pooltag.cli.render.HuntReportView;
import pooltag.cli.render.Json;
import pooltag.core.error.PooltagException;
import pooltag.core.rank.RankOptions;
import pooltag.linux.kmem.StopSignals;

/** The whole workflow unattended: which tag leaks, where it is allocated, and how sure we are. */
@Command(name = "hunt", mixinStandardHelpOptions = true,
        header = "The leak hunt, unattended: trace, rank the growing tags, and show where their blocks were allocated.", sortOptions = false,
        description = {"The leak hunt, unattended: trace every kmem allocation and free (private tracefs instance),",
                "sample /proc/slabinfo twice a second, arm stack traces on the call sites that lead, then report one",
                "finding per cause (the system call or kernel thread, with every kind of object it leaks and what",
                "grows with it), ranked by a confidence that discounts churn, frees the kernel does not trace",
                "(kfree_rcu, bulk), reclaimable caches and lost events. Needs root."},
        footer = {"", "Allocations must be a quarter of the hunt old (0.5-1 s) and grow for a third of it (1-2 s): 3 s is the",
                "shortest hunt that can call something a leak; 10 s is better. Ctrl-C or SIGTERM stops it early and",
                "still prints the whole report; a second signal aborts.",
                "Example: pooltag hunt --duration 10 --collapsed leaks.folded"})
public final class HuntCommand extends LedgerCommand implements Callable<Integer> {
    @Mixin
    DurationOption duration;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Mixin
    JsonOption json;

    @Option(names = "--collapsed", paramLabel = "FILE",
            description = "write folded stacks weighted by outstanding bytes (flamegraph.pl, speedscope)")
    Path collapsed;

    @Option(names = "--threshold", paramLabel = "C", defaultValue = "0.5",
            description = "confidence at which a suspect is called a leak (default ${DEFAULT-VALUE})")
    double threshold;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "suspects in the table (default ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--by", paramLabel = "VIEW", defaultValue = "finding",
            description = "finding: one row per cause with its object kinds under it; tag: the flat per-tag table"
                    + " (default ${DEFAULT-VALUE})")
    String by;

    @Override
    public Integer call() throws InterruptedException {
        if (!by.equals("finding") && !by.equals("tag")) {
            throw new PooltagException("--by takes finding or tag, got '" + by + "'");
        }
        Duration d = duration.value();
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new PooltagException("--threshold must be between 0 and 1, got " + threshold);
        }
        // Stopping is finishing: the first SIGINT/SIGTERM ends the tracing, the report below is still printed whole.
        try (StopSignals signals = StopSignals.install(System.err)) {
            return report(Hunter.hunt(d, RankOptions.defaults().withThreshold(threshold), cap.ledgerOptions(),
                    json.on() ? null : System.err, buffer.apply(pooltag.linux.kmem.TraceConfig.kmem()), signals));
        }
    }

    private int report(Hunter.Result res) {
        PrintWriter out = spec.commandLine().getOut();
        var loss = res.ledger().stats().loss();
        if (json.on()) {
            var root = HuntReportView.json(res.report(), res.symbols(), res.armedSites(), loss);
            var notes = root.putArray("stack_notes");
            res.stackNotes().forEach(notes::add);
            Json.print(out, root);
        } else if (by.equals("tag")) {
            HuntReportView.text(out, res.report(), res.symbols(), res.armedSites(), loss, top);
        } else {
            HuntReportView.findings(out, res.report(), res.symbols(), res.armedSites(), res.stackNotes(), loss, top);
        }
        if (collapsed != null) {
            try {
                Files.write(collapsed, HuntReportView.collapsed(res.report(), res.symbols()));
            } catch (IOException e) {
                throw new PooltagException("cannot write " + collapsed + ": " + e.getMessage(), e);
            }
        }
        return 0;
    }
}
