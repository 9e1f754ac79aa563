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
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.options.DurationOption;
import pooltag.cli.options.JsonOption;
import pooltag.engine.hunt.Hunter;
import pooltag.cli.render.HuntReportView;
import pooltag.cli.render.Json;
import pooltag.core.error.PooltagException;
import pooltag.core.rank.RankOptions;

/** The whole workflow unattended: which tag leaks, where it is allocated, and how sure we are. */
@Command(name = "hunt", mixinStandardHelpOptions = true,
        header = "The leak hunt, unattended: trace, rank the growing tags, and show where their blocks were allocated.", sortOptions = false,
        description = {"The leak hunt, unattended: trace every kmem allocation and free (private tracefs instance),",
                "sample /proc/slabinfo each second, arm stack traces on the call sites that look worst, then rank",
                "tags by outstanding bytes and sustained growth with a confidence that discounts churn, frees the",
                "kernel does not trace (kfree_rcu, bulk), reclaimable caches and lost events. Needs root."},
        footer = {"", "A hunt shorter than 3 s cannot call anything a leak (allocations must be 1 s old and grow for 2 s).",
                "Example: pooltag hunt --duration 10 --collapsed leaks.folded"})
public final class HuntCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DurationOption duration;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Mixin
    MaxOutstandingOption cap;

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

    @Override
    public Integer call() throws InterruptedException {
        Duration d = duration.value();
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new PooltagException("--threshold must be between 0 and 1, got " + threshold);
        }
        Hunter.Result res = Hunter.hunt(d, RankOptions.defaults().withThreshold(threshold), cap.ledgerOptions(),
                json.on() ? null : System.err, buffer.apply(pooltag.linux.kmem.TraceConfig.kmem()));
        PrintWriter out = spec.commandLine().getOut();
        var loss = res.ledger().stats().loss();
        if (json.on()) {
            Json.print(out, HuntReportView.json(res.report(), res.symbols(), res.armedSites(), loss));
        } else {
            HuntReportView.text(out, res.report(), res.symbols(), res.armedSites(), loss, top);
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
