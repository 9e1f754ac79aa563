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
import pooltag.engine.hunt.Hunter;
import pooltag.cli.render.HuntReportView;
import pooltag.cli.render.Json;
import pooltag.core.error.PooltagException;
import pooltag.core.rank.RankOptions;

/** The whole workflow unattended: which tag leaks, where it is allocated, and how sure we are. */
@Command(name = "hunt", sortOptions = false,
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
    BufferOptions buffer = new BufferOptions();

    @Mixin
    MaxOutstandingOption cap;

    @Option(names = {"-d", "--duration"}, paramLabel = "D", defaultValue = "10s",
            description = "how long to hunt: 10s, 1m (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Option(names = "--collapsed", paramLabel = "FILE",
            description = "write folded stacks weighted by outstanding bytes (flamegraph.pl, speedscope)")
    Path collapsed;

    @Option(names = "--threshold", paramLabel = "C", defaultValue = "0.5",
            description = "confidence at which a suspect is called a leak (default ${DEFAULT-VALUE})")
    double threshold;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "suspects in the table (default ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--tag-by", paramLabel = "KINDS", defaultValue = "cache,site",
            description = "cache,site (default), or cgroup: also charge every allocation to the cgroup of the task"
                    + " that made it (memory hierarchy path; [hardirq], [softirq], [kernel thread] of their own), rank"
                    + " cgroups with the tags and list the top 3 cgroups under each suspect; cgroup,cache or cgroup,site:"
                    + " rank (cgroup, tag) pairs, printed tag@cgroup")
    String tagBy;

    @Option(names = "--by", paramLabel = "KIND", description = "cgroup: rank cgroups only (implies --tag-by cgroup)")
    String by;

    @Override
    public Integer call() throws InterruptedException {
        Duration d = RecordCommand.parseDuration(duration);
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new PooltagException("--threshold must be between 0 and 1, got " + threshold);
        }
        java.util.Set<pooltag.core.tag.TagKind> kinds = rankedKinds();
        boolean cgroups = kinds.contains(pooltag.core.tag.TagKind.CGROUP);
        RankOptions options = RankOptions.defaults().withThreshold(threshold).withKinds(kinds);
        Hunter.Result res = Hunter.hunt(d, options, cap.ledgerOptions(), json ? null : System.err,
                buffer.apply(pooltag.linux.kmem.TraceConfig.kmem()),
                cgroups ? pooltag.linux.cgroup.PidCgroupResolver.live() : null);
        PrintWriter out = spec.commandLine().getOut();
        var loss = res.ledger().stats().loss();
        var shares = pooltag.core.rank.CgroupShares.of(res.ledger(), res.report().suspects(), 3);
        if (json) {
            Json.print(out, HuntReportView.json(res.report(), res.symbols(), res.armedSites(), loss, shares));
        } else {
            HuntReportView.text(out, res.report(), res.symbols(), res.armedSites(), loss, top, shares);
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

    /** The kinds ranked: cache and site by default; cgroup added by --tag-by cgroup; cgroup alone with --by cgroup. */
    java.util.Set<pooltag.core.tag.TagKind> rankedKinds() {
        if (by != null) {
            if (!by.equals("cgroup")) {
                throw new PooltagException("--by takes cgroup, got '" + by + "'");
            }
            return java.util.Set.of(pooltag.core.tag.TagKind.CGROUP);
        }
        java.util.Set<pooltag.core.tag.TagKind> kinds = new java.util.LinkedHashSet<>();
        switch (tagBy.replace(" ", "")) {
            case "cache,site", "site,cache" -> kinds.addAll(java.util.List.of(pooltag.core.tag.TagKind.CACHE,
                    pooltag.core.tag.TagKind.SITE));
            case "cache" -> kinds.add(pooltag.core.tag.TagKind.CACHE);
            case "site" -> kinds.add(pooltag.core.tag.TagKind.SITE);
            case "cgroup" -> kinds.addAll(java.util.List.of(pooltag.core.tag.TagKind.CGROUP,
                    pooltag.core.tag.TagKind.CACHE, pooltag.core.tag.TagKind.SITE));
            case "cgroup,cache" -> kinds.addAll(java.util.List.of(pooltag.core.tag.TagKind.CGROUP,
                    pooltag.core.tag.TagKind.CGROUP_CACHE));
            case "cgroup,site" -> kinds.addAll(java.util.List.of(pooltag.core.tag.TagKind.CGROUP,
                    pooltag.core.tag.TagKind.CGROUP_SITE));
            default -> throw new PooltagException("--tag-by takes cache,site, cache, site, cgroup, cgroup,cache or"
                    + " cgroup,site, got '" + tagBy + "'");
        }
        return kinds;
    }
}
