package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pooltag.cli.options.BufferOptions;
import pooltag.linux.kmem.StopSignals;
import pooltag.cli.options.DurationOption;
import pooltag.cli.options.TagParameter;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.JsonOption;
import pooltag.engine.hit.HitTarget;
import pooltag.engine.run.TracingRun;
import pooltag.engine.publish.AddressPolicy;
import pooltag.cli.render.Json;
import pooltag.cli.render.LossLine;
import pooltag.core.error.PooltagException;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.Outstanding;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.ProcessNames;
import pooltag.linux.symbols.KernelSymbols;

/** {@code !poolfind}: the allocations of a tag still outstanding, tracked from the start of the run. */
@Command(name = "find", mixinStandardHelpOptions = true,
        header = "WinDbg's !poolfind on the live kernel: the allocations of TAG made while tracking and still outstanding.", sortOptions = false,
        description = {"WinDbg's !poolfind on the live kernel: every allocation of TAG made while tracking and still",
                "outstanding at the end, with its block (masked), size, age, pid/comm and stack tag. Linux cannot",
                "scan the slab for a tag, so tracking starts now and lasts --duration. Needs root.",
                "With --from FILE it shows a captured !poolfind instead, in the same layout."},
        footer = {"", "Example: pooltag find alloc_pipe_info --duration 5 --min-age 1"})
public final class FindCommand extends LedgerCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "TAG",
            description = TagParameter.DESCRIPTION + " (with --from: a pool tag, * and ? work; default all)")
    String tag;

    @Option(names = "--from", paramLabel = "FILE", description = "show a WinDbg !poolfind capture instead of tracing")
    Path from;

    @Option(names = "--pool", paramLabel = "POOL", description = "nonpaged or paged (default both)")
    String pool;

    @Mixin
    DurationOption duration;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Option(names = "--min-age", paramLabel = "S", defaultValue = "0",
            description = "only allocations at least S seconds old at the end (default ${DEFAULT-VALUE})")
    double minAgeSeconds;

    @Mixin
    JsonOption json;

    @Mixin
    AddressesOption addressOption;

    @Option(names = "--tag-by", paramLabel = "KIND", description = "cgroup: also show the cgroup each allocation is"
            + " charged to (the allocating task's memory cgroup; [softirq], [kernel thread], ... of their own) and"
            + " whether it is memcg-accounted")
    String tagBy;

    @Option(names = "--cgroup", paramLabel = "PATTERN", description = "with --tag-by cgroup: only allocations of"
            + " cgroups matching PATTERN (* and ?)")
    String cgroupPattern;

    @Override
    public Integer call() throws InterruptedException {
        AddressPolicy addresses = addressOption.policy();
        Pool only;
        try {
            only = pool == null ? null : Pool.parse(pool);
        } catch (IllegalArgumentException e) {
            throw new PooltagException("--pool " + e.getMessage());
        }
        if (from != null) {
            return CaptureFind.poolfind(spec.commandLine().getOut(), from, tag, only, json.on());
        }
        if (tag == null) {
            throw new PooltagException("find: give the TAG to track (or --from FILE for a !poolfind capture)");
        }
        Duration d = duration.value();
        if (tagBy != null && !tagBy.equals("cgroup")) {
            throw new PooltagException("--tag-by takes cgroup, got '" + tagBy + "'");
        }
        boolean cgroups = tagBy != null;
        if (cgroupPattern != null && !cgroups) {
            throw new PooltagException("--cgroup needs --tag-by cgroup");
        }
        pooltag.core.tag.TagPattern cgFilter = cgroupPattern == null ? null : pooltag.core.tag.TagPattern.of(cgroupPattern);
        pooltag.core.ledger.CgroupResolver resolver = cgroups ? pooltag.linux.cgroup.PidCgroupResolver.live() : null;
        KernelSymbols symbols = KernelSymbols.load();
        HitTarget target = HitTarget.resolveLive(tag, symbols);
        PrintWriter out = spec.commandLine().getOut();
        try (StopSignals signals = StopSignals.install(System.err)) {
        try (TracingRun run = TracingRun.open(symbols, target.config(buffer.apply(TraceConfig.kmem())), cap.ledgerOptions())) {
            if (resolver != null) {
                run.ledger().tagByCgroup(resolver); // before the session starts
            }
            signals.onStop(run::requestStop);
            if (!json.on()) {
                System.err.printf("pooltag find: tracking %s (%s) for %s%n", target.tag(), HitCommand.describe(target),
                        duration.text());
            }
            run.runFor(d, Duration.ofSeconds(1), null);
            Ledger ledger = run.ledger();
            List<Outstanding> found = new java.util.ArrayList<>();
            for (String name : target.ledgerNames()) {
                int id = ledger.tagId(target.kind(), name);
                if (id >= 0) {
                    found.addAll(ledger.outstanding(target.kind(), id, Integer.MAX_VALUE));
                }
            }
            long minAge = (long) (minAgeSeconds * 1e9);
            found = found.stream().filter(o -> (only == null || o.pool() == only) && o.ageNanos() >= minAge
                    && (cgFilter == null || cgFilter.matches(o.cgroup()))).toList();
            Loss loss = ledger.stats().loss();
            ProcessNames comms = new ProcessNames();
            long bytes = found.stream().mapToLong(Outstanding::bytes).sum();
            if (json.on()) {
                ObjectNode root = Json.object();
                root.put("tag", target.tag());
                root.put("kind", target.kind().label());
                root.put("duration_s", run.durationNanos() / 1e9);
                root.put("count", found.size());
                root.put("bytes", bytes);
                ArrayNode arr = root.putArray("outstanding");
                for (Outstanding o : found) {
                    ObjectNode n = arr.addObject();
                    n.put("block", addresses.of(o.address()));
                    n.put("size", o.bytes());
                    n.put("pool", o.pool().label());
                    n.put("age_s", o.ageNanos() / 1e9);
                    n.put("pid", o.pid());
                    n.put("comm", comms.of(o.pid()));
                    n.put("cache", o.cache());
                    n.put("site", o.site());
                    n.put("stack", o.stackId() < 0 ? "" : ledger.stackTag(o.stackId()));
                    if (cgroups) {
                        n.put("cgroup", o.cgroup());
                        n.put("accounted", o.accounted());
                    }
                }
                root.set("loss", Json.loss(loss));
                Json.print(out, root);
                return 0;
            }
            out.printf("Searching %s for tag %s, outstanding since tracking began %.1f s ago%n%n",
                    only == null ? "NonPaged and Paged pools" : only.label() + " pool", target.tag(),
                    run.durationNanos() / 1e9);
            for (Outstanding o : found) {
                out.printf(Locale.ROOT, "%s : tag %s, size %#9x, %s pool, age %.3f s, pid %d (%s), site %s, stack %s%n",
                        addresses.of(o.address()), target.tag(), o.bytes(),
                        o.pool() == Pool.NONPAGED ? "Nonpaged" : "Paged", o.ageNanos() / 1e9, o.pid(), comms.of(o.pid()),
                        o.site(), o.stackId() < 0 ? "-" : ledger.stackTag(o.stackId()));
                if (cgroups) {
                    out.printf("    cgroup %s, %s%n", o.cgroup(), o.accounted() ? "accounted (memcg-charged)" : "not accounted");
                }
            }
            out.printf("%d allocation%s, %d bytes%n", found.size(), found.size() == 1 ? "" : "s", bytes);
            out.println(LossLine.of(loss));
            out.flush();
        }
        }
        return 0;
    }
}
