package pooltag.cli.commands;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.DurationOption;
import pooltag.cli.options.JsonOption;
import pooltag.cli.options.BufferOptions;
import pooltag.engine.hunt.Hunter;
import pooltag.engine.publish.AddressPolicy;
import pooltag.cli.render.HuntReportView;
import pooltag.cli.render.Json;
import pooltag.core.error.PooltagException;
import pooltag.core.io.OutputPaths;
import pooltag.core.io.PrivateFiles;
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

    @Mixin
    AddressesOption addressOption;

    /** How tag names that are kernel addresses print; set first thing in {@link #call}. */
    private AddressPolicy addresses;

    @Option(names = "--collapsed", paramLabel = "FILE",
            description = "write folded stacks weighted by outstanding bytes (flamegraph.pl, speedscope);"
                    + " created 0600, never over an existing file")
    Path collapsed;

    @Option(names = "--threshold", paramLabel = "C", defaultValue = "0.5",
            description = "confidence at which a suspect is called a leak (default ${DEFAULT-VALUE})")
    double threshold;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", converter = pooltag.cli.options.TopConverter.AtLeastOne.class, description = "suspects in the table (default ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--tag-by", paramLabel = "KINDS", defaultValue = "cache,site",
            description = "cache,site (default), or cgroup: also charge every allocation to the cgroup of the task"
                    + " that made it (memory hierarchy path; [hardirq], [softirq], [kernel thread] of their own), rank"
                    + " cgroups with the tags and list the top 3 cgroups under each finding and suspect; cgroup,cache"
                    + " or cgroup,site: rank (cgroup, tag) pairs, printed tag@cgroup")
    String tagBy;

    @Option(names = "--record", paramLabel = "FILE", description = "also write the hunt's run to a recording (pages,"
            + " slabinfo samples, pool kinds, cgroup decisions, what was armed): 'hunt --from FILE' ranks it as this"
            + " hunt does; created 0600, never over an existing file")
    Path record;

    @Option(names = "--from", paramLabel = "FILE", description = "hunt on a recording instead of the live kernel"
            + " (made by 'hunt --record' or 'record', on this machine or another); --duration is the recording's")
    Path from;

    @Option(names = "--by", paramLabel = "VIEW", defaultValue = "finding",
            description = "finding: one row per cause with its object kinds under it; tag: the flat per-tag table;"
                    + " cgroup: rank cgroups only (implies --tag-by cgroup) (default ${DEFAULT-VALUE})")
    String by;

    @Override
    public Integer call() throws InterruptedException {
        addresses = addressOption.policy(); // refused before any tracing: one line, exit 2
        Duration d = duration.value();
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new PooltagException("--threshold must be between 0 and 1, got " + threshold);
        }
        java.util.Set<pooltag.core.tag.TagKind> kinds = rankedKinds();
        // Said before the hunt, not after it: each file is created new (never over an existing one) in a directory
        // that exists and takes it, or the whole run would be lost at its end.
        if (collapsed != null) {
            OutputPaths.refuseUnwritable("--collapsed", collapsed, OutputPaths.Existing.REFUSED);
        }
        if (record != null) {
            OutputPaths.refuseUnwritable("--record", record, OutputPaths.Existing.REFUSED);
        }
        boolean cgroups = kinds.contains(pooltag.core.tag.TagKind.CGROUP);
        RankOptions options = RankOptions.defaults().withThreshold(threshold).withKinds(kinds);
        if (from != null) {
            buffer.refuseUnless(false, "--from replays a file");
            if (record != null) {
                throw new PooltagException("--from and --record together: a hunt reads a recording or records one");
            }
            return report(Hunter.replay(from, options, cap.ledgerOptions(), cgroups));
        }
        // Stopping is finishing: the first SIGINT/SIGTERM ends the tracing, the report below is still printed whole.
        try (StopSignals signals = StopSignals.install(System.err)) {
            var resolver = cgroups ? pooltag.linux.cgroup.PidCgroupResolver.live() : null;
            return report(Hunter.hunt(d, options, cap.ledgerOptions(), json.on() ? null : System.err,
                    buffer.apply(pooltag.linux.kmem.TraceConfig.kmem()), resolver, signals, record), resolver);
        }
    }

    private int report(Hunter.Result res) {
        return report(res, null);
    }

    /**
     * The cgroup tags' health for the JSON (the text report has it on stderr): how each task's cgroup was decided,
     * and what went to {@code [exited]}, out of the table or into {@code [other cgroups]}: counted, never silent.
     */
    static com.fasterxml.jackson.databind.node.ObjectNode cgroupTasksJson(pooltag.linux.cgroup.PidCgroupResolver r) {
        var o = Json.MAPPER.createObjectNode();
        o.put("read_before_tracing", r.preloaded());
        o.put("placed_at_birth", r.born());
        o.put("born_into_another_cgroup", r.bornIntoCgroup());
        o.put("read_at_first_event", r.resolved());
        o.put("gone_before_read", r.exitedBeforeRead());
        o.put("exits", r.exits());
        o.put("pid_reuses", r.reuses());
        o.put("moves_traced", r.movesTraced());
        o.put("moves_found_by_check", r.moves());
        o.put("evicted", r.evictions());
        o.put("paths_folded", r.foldedPaths());
        o.put("checks", r.checks());
        return o;
    }

    /** @param resolver the live hunt's cgroup resolver (its health goes into the JSON), or null */
    private int report(Hunter.Result res, pooltag.linux.cgroup.PidCgroupResolver resolver) {
        PrintWriter out = spec.commandLine().getOut();
        if (res.replay() != null && !json.on()) {
            out.println(RecordingHealth.line(from, res.replay()));
        }
        var loss = res.ledger().stats().loss();
        // Not tagged by cgroup: null, so the JSON has no "cgroups" on its rows (HuntReportView.json's contract).
        boolean tagged = res.ledger().tracksCgroups();
        var shares = tagged ? pooltag.core.rank.CgroupShares.of(res.ledger(), res.report().suspects(), 3) : null;
        var findingShares = tagged
                ? pooltag.core.rank.CgroupShares.ofFindings(res.ledger(), res.report().findings(), 3) : null;
        if (json.on()) {
            var root = HuntReportView.json(res.report(), res.symbols(), res.armedSites(), loss, shares, findingShares,
                    addresses);
            var notes = root.putArray("stack_notes");
            res.stackNotes().forEach(n -> notes.add(addresses.names(n)));
            // Sites over their stack budget: how many arming periods each was left unarmed (a live hunt's stacks:
            // progress line counts them; the JSON names them)
            var heldBack = root.putObject("held_back_sites");
            res.heldBackPeriods().forEach((site, periods) -> heldBack.put(addresses.names(site), periods));
            if (res.replay() != null) {
                root.set("recording", RecordingHealth.json(from, res.replay()));
            }
            if (resolver != null) {
                root.set("cgroup_tasks", cgroupTasksJson(resolver));
            }
            Json.print(out, root);
            out.flush();
        } else if (!by.equals("finding")) {
            HuntReportView.text(out, res.report(), res.symbols(), res.armedSites(), loss, top, shares, addresses);
        } else {
            HuntReportView.findings(out, res.report(), res.symbols(), res.armedSites(), res.stackNotes(), loss, top,
                    findingShares, addresses);
        }
        if (collapsed != null) {
            try {
                // Created as a recording is (0600, exclusive, the sudo caller's when run under sudo).
                try (var w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(PrivateFiles.create(collapsed),
                        java.nio.charset.StandardCharsets.UTF_8))) {
                    for (String line : HuntReportView.collapsed(res.report(), res.symbols())) {
                        w.write(line);
                        w.write('\n');
                    }
                }
            } catch (IOException e) {
                throw new PooltagException("cannot write " + collapsed + ": " + pooltag.core.error.IoReasons.of(e), e);
            }
        }
        // As report: a recording cut short or with skipped pages still ranks what it holds, and says so by exit 1.
        return res.replay() != null && !RecordingHealth.sound(res.replay()) ? 1 : 0;
    }

    /**
     * The kinds ranked: cache and site by default; cgroup added by --tag-by cgroup; cgroup alone with --by cgroup
     * (shown as the flat table, whose rows are then cgroups; findings are still made from cells, for the JSON).
     */
    java.util.Set<pooltag.core.tag.TagKind> rankedKinds() {
        if (!by.equals("finding") && !by.equals("tag") && !by.equals("cgroup")) {
            throw new PooltagException("--by takes finding, tag or cgroup, got '" + by + "'");
        }
        if (by.equals("cgroup")) {
            return java.util.Set.of(pooltag.core.tag.TagKind.CGROUP);
        }
        java.util.Set<pooltag.core.tag.TagKind> kinds = new java.util.LinkedHashSet<>();
        pooltag.cli.options.TagBy t = pooltag.cli.options.TagBy.parse(tagBy,
                java.util.EnumSet.allOf(pooltag.cli.options.TagBy.class));
        switch (t) {
            case CACHE_SITE -> kinds.addAll(java.util.List.of(pooltag.core.tag.TagKind.CACHE,
                    pooltag.core.tag.TagKind.SITE));
            case CGROUP -> kinds.addAll(java.util.List.of(pooltag.core.tag.TagKind.CGROUP,
                    pooltag.core.tag.TagKind.CACHE, pooltag.core.tag.TagKind.SITE));
            case CGROUP_CACHE, CGROUP_SITE -> kinds.addAll(java.util.List.of(pooltag.core.tag.TagKind.CGROUP,
                    t.kind()));
            case CACHE, SITE -> kinds.add(t.kind());
        }
        return kinds;
    }
}
