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
import pooltag.cli.options.TagByCgroupOption;
import pooltag.core.ledger.CgroupResolver;
import pooltag.core.tag.TagKind;
import pooltag.core.tag.TagPattern;
import pooltag.engine.run.RecordingReplay;
import pooltag.linux.cgroup.PidCgroupResolver;
import pooltag.linux.recording.RecordingReader;
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
            description = TagParameter.DESCRIPTION + " (with --from a !poolfind capture: a pool tag, * and ? work; default all)")
    String tag;

    @Option(names = "--from", paramLabel = "FILE", description = "a recording ('pooltag record', 'hunt --record'):"
            + " what TAG still had outstanding at its end; or a WinDbg !poolfind capture, shown in this layout")
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

    @Mixin
    TagByCgroupOption tagBy;

    @Option(names = "--cgroup", paramLabel = "PATTERN", description = "with --tag-by cgroup: only allocations of"
            + " cgroups matching PATTERN (* and ?)")
    String cgroupPattern;

    @Override
    public Integer call() throws InterruptedException {
        if (!(minAgeSeconds >= 0)) {
            throw new PooltagException("--min-age must be 0 or more seconds, got " + minAgeSeconds);
        }
        AddressPolicy addresses = addressOption.policy();
        Pool only;
        try {
            only = pool == null ? null : Pool.parse(pool);
        } catch (IllegalArgumentException e) {
            throw new PooltagException("--pool " + e.getMessage());
        }
        boolean cgroups = tagBy.on();
        if (cgroupPattern != null && !cgroups) {
            throw new PooltagException("--cgroup needs --tag-by cgroup");
        }
        TagPattern cgFilter = cgroupPattern == null ? null : TagPattern.of(cgroupPattern);
        buffer.refuseUnless(from == null, "--from reads a file");
        PrintWriter out = spec.commandLine().getOut();
        if (from != null && !RecordingReplay.isRecording(from)) {
            if (cgroups) {
                // A Windows !poolfind capture has no cgroups: said, not ignored.
                throw new PooltagException("--tag-by and --cgroup need a recording or the live kernel; " + from
                        + " is a Windows !poolfind capture (no cgroups)");
            }
            return CaptureFind.poolfind(out, from, tag, only, json.on()); // dispatched by content: a !poolfind capture
        }
        if (tag == null) {
            throw new PooltagException(from == null
                    ? "find: give the TAG to track (or --from FILE for a recording or a !poolfind capture)"
                    : "find --from " + from + ": a recording needs the TAG to list (a cache such as kmalloc-64,"
                            + " a function such as alloc_pipe_info); only a !poolfind capture lists every tag by default");
        }
        if (from != null) {
            // A recording: the same ledger as live, replayed; the tag resolves against the slabinfo and symbols it keeps.
            RecordingReplay.Replayed rp = RecordingReplay.of(from, cap.ledgerOptions(), cgroups);
            HitTarget target = HitTarget.resolveInRecording(tag, rp.slabinfoStart() == null ? ""
                    : rp.slabinfoStart(), rp.sysfs(), rp.ledger().tagNames(TagKind.CACHE), rp.symbols());
            long span = rp.ledger().lastNanos() - rp.ledger().firstNanos();
            print(out, rp.ledger(), target, Math.max(rp.durationNanos(), span), only, cgFilter, addresses,
                    "in recording " + from, rp.health(), pid -> "?");
            return RecordingHealth.sound(rp.health()) ? 0 : 1;
        }
        Duration d = duration.value();
        CgroupResolver resolver = cgroups ? PidCgroupResolver.live() : null;
        KernelSymbols symbols = KernelSymbols.load();
        HitTarget target = HitTarget.resolveLive(tag, symbols);
        try (StopSignals signals = StopSignals.install(System.err);
             TracingRun run = TracingRun.open(symbols, target.config(buffer.apply(TraceConfig.kmem())),
                     cap.ledgerOptions(), resolver)) {
            signals.onStop(run::requestStop);
            if (!json.on()) { // said when tracing goes on, after the warm-up, as every tracing command says it
                run.onTracingOn(() -> System.err.printf("pooltag find: tracking %s (%s) for %s%n",
                        addresses.names(target.tag()),
                        addresses.names(HitCommand.describe(target)), duration.text()));
            }
            run.runFor(d, Duration.ofSeconds(1), null);
            ProcessNames comms = new ProcessNames();
            print(out, run.ledger(), target, run.durationNanos(), only, cgFilter, addresses,
                    String.format(Locale.ROOT, "since tracking began %.1f s ago", run.durationNanos() / 1e9), null,
                    comms::of);
        }
        return 0;
    }

    /** The tag's outstanding allocations in {@code ledger} (live after the run, or replayed), text or JSON. */
    private void print(PrintWriter out, Ledger ledger, HitTarget target, long durationNanos, Pool only,
                       TagPattern cgFilter, AddressPolicy addresses, String since, RecordingReader.Replay replay,
                       java.util.function.IntFunction<String> comms) {
        boolean cgroups = ledger.tracksCgroups();
        // each block with the tag it is held under: a pattern (kmalloc-*) matches several, and a block's line names
        // its own, as !poolfind's lines name the block's tag, not the search's
        List<Outstanding> found = new java.util.ArrayList<>();
        List<String> tagOf = new java.util.ArrayList<>();
        long minAge = (long) (minAgeSeconds * 1e9);
        for (String name : target.ledgerNames()) {
            int id = ledger.tagId(target.kind(), name);
            if (id < 0) {
                continue;
            }
            for (Outstanding o : ledger.outstanding(target.kind(), id, Integer.MAX_VALUE)) {
                if ((only == null || o.pool() == only) && o.ageNanos() >= minAge
                        && (cgFilter == null || cgFilter.matches(o.cgroup()))) {
                    found.add(o);
                    tagOf.add(name);
                }
            }
        }
        Loss loss = ledger.stats().loss();
        long bytes = found.stream().mapToLong(Outstanding::bytes).sum();
        if (json.on()) {
            ObjectNode root = Json.object();
            root.put("tag", addresses.names(target.tag()));
            root.put("kind", target.kind().label());
            if (!target.merged().isEmpty()) {
                ObjectNode merged = root.putObject("merged"); // merged name -> the cache its events name
                target.merged().forEach(merged::put);
            }
            root.put("duration_s", durationNanos / 1e9);
            root.put("count", found.size());
            root.put("bytes", bytes);
            ArrayNode arr = root.putArray("outstanding");
            for (int i = 0; i < found.size(); i++) {
                Outstanding o = found.get(i);
                ObjectNode n = arr.addObject();
                n.put("block", addresses.of(o.address()));
                n.put("tag", addresses.names(tagOf.get(i)));
                n.put("size", o.bytes());
                n.put("pool", o.pool().label());
                n.put("age_s", o.ageNanos() / 1e9);
                n.put("pid", o.pid());
                n.put("comm", comms.apply(o.pid()));
                n.put("cache", o.cache());
                n.put("site", addresses.names(o.site()));
                n.put("stack", o.stackId() < 0 ? "" : ledger.stackTag(o.stackId()));
                if (cgroups) {
                    n.put("cgroup", o.cgroup());
                    n.put("accounted", o.accounted());
                }
            }
            root.set("loss", Json.loss(loss));
            if (replay != null) {
                root.set("recording", RecordingHealth.json(from, replay));
            }
            Json.print(out, root);
            out.flush();
            return;
        }
        if (replay != null) {
            out.println(RecordingHealth.line(from, replay));
        }
        if (!target.mergeNote().isEmpty()) {
            out.println("Note: " + target.mergeNote());
        }
        out.printf("Searching %s for tag %s, outstanding %s%n%n",
                only == null ? "NonPaged and Paged pools" : only.label() + " pool", addresses.names(target.tag()),
                since);
        for (int i = 0; i < found.size(); i++) {
            Outstanding o = found.get(i);
            out.printf(Locale.ROOT, "%s : tag %s, size %#9x, %s pool, age %.3f s, pid %d (%s), site %s, stack %s%n",
                    addresses.of(o.address()), addresses.names(tagOf.get(i)), o.bytes(),
                    o.pool() == Pool.NONPAGED ? "Nonpaged" : "Paged", o.ageNanos() / 1e9, o.pid(), comms.apply(o.pid()),
                    addresses.names(o.site()), o.stackId() < 0 ? "-" : ledger.stackTag(o.stackId()));
            if (cgroups) {
                out.printf("    cgroup %s, %s%n", o.cgroup(), o.accounted() ? "accounted (memcg-charged)" : "not accounted");
            }
        }
        out.printf("%d allocation%s, %d bytes%n", found.size(), found.size() == 1 ? "" : "s", bytes);
        out.println(LossLine.of(loss));
        out.flush();
    }
}
