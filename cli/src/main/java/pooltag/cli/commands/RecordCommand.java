package pooltag.cli.commands;

import java.nio.file.Path;
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
import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.TraceConfig;
import pooltag.engine.hit.HitTarget;
import pooltag.linux.recording.Recorder;
import pooltag.cli.options.TagByCgroupOption;
import pooltag.engine.hunt.Hunter;
import pooltag.linux.cgroup.PidCgroupResolver;
import pooltag.linux.kmem.KmemTagPolicy;

/** {@code pooltag record -o FILE}: record kmem events (raw pages) into one self-describing file. */
@Command(name = "record", mixinStandardHelpOptions = true,
        header = "Record kernel allocation events into a file that 'pooltag report' and 'pooltag kd' read.",
        description = "Record kernel allocation events into a file (read it with 'pooltag report', 'pooltag hunt --from',"
                + " 'pooltag find --from', 'pooltag kd --recording'). The file also keeps /proc/slabinfo every 500 ms, the"
                + " pool kinds of /sys/kernel/slab and, with --tag-by cgroup, the cgroup of every allocating task."
                + " Stops after --duration, or on Ctrl-C / SIGTERM, and always finishes the file.")
public final class RecordCommand implements Callable<Integer> {
    /** Event sets; names as in events/kmem and events/percpu. */
    enum EventName {
        kmalloc("kmem/kmalloc"), kfree("kmem/kfree"), kmem_cache_alloc("kmem/kmem_cache_alloc"),
        kmem_cache_free("kmem/kmem_cache_free"), mm_page_alloc("kmem/mm_page_alloc"),
        mm_page_free("kmem/mm_page_free"), percpu_alloc_percpu("percpu/percpu_alloc_percpu"),
        percpu_free_percpu("percpu/percpu_free_percpu");

        final String key;

        EventName(String key) {
            this.key = key;
        }
    }

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "recording to write")
    Path output;

    @Mixin
    DurationOption duration;

    @Option(names = "--events", split = ",", paramLabel = "EVENT",
            description = "events to record (default the four slab events): ${COMPLETION-CANDIDATES}")
    List<EventName> events;

    @Option(names = "--hit", paramLabel = "TAG",
            description = "capture kernel stacks only for this tag, as hit takes it: cache, function, kmalloc-N, [module], wildcard")
    String hit;

    /** Which allocations carry kernel stacks besides --hit's. */
    enum Stacks {
        /** The hunt's arming: the call sites that lead the outstanding allocations, re-armed every 500 ms. */
        leaders,
        /** Every kmalloc and kmem_cache_alloc (costly: about 150 bytes of ring buffer per allocation). */
        all
    }

    @Option(names = "--stacks", paramLabel = "WHICH", description = "also capture kernel stacks: leaders (the call"
            + " sites that lead the outstanding allocations, armed and re-armed every 500 ms as 'hunt' arms them) or"
            + " all (every allocation; costly)")
    Stacks stacks;

    @Mixin
    TagByCgroupOption tagBy;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Override
    public Integer call() throws InterruptedException {
        Duration d = duration.value();
        TraceConfig cfg = buffer.apply(TraceConfig.kmem());
        if (events != null && !events.isEmpty()) {
            List<String> keys = new ArrayList<>();
            for (EventName e : events) {
                keys.add(e.key);
            }
            cfg = cfg.withEvents(keys);
        }
        if (stacks != null && hit != null) {
            throw new PooltagException("--stacks and --hit together: the kernel takes one stack trigger per event");
        }
        // before the disk-room check and any tracing: a file that cannot be created is said as that, not as no room
        pooltag.core.io.OutputPaths.refuseUnwritable("--output", output, pooltag.core.io.OutputPaths.Existing.REFUSED);
        boolean cgroups = tagBy.on();
        try (StopSignals signals = StopSignals.install(System.err)) {
            if (stacks == Stacks.leaders) {
                // The hunt's traced run (its Armer, its sampling, its ledger to know the leaders), written to the file.
                // Hunter prints the run's counters and the one "recorded ... to FILE" line, as hunt --record does.
                Hunter.Recorded r = Hunter.record(d, KmemTagPolicy.ledgerOptions(), System.err, cfg,
                        cgroups ? PidCgroupResolver.live() : null, signals, output);
                return r.outOfRoom() != null ? 1 : 0; // as plain record: stopped early for room, said, exit 1
            }
            if (stacks == Stacks.all) {
                for (String ev : List.of("kmem/kmalloc", "kmem/kmem_cache_alloc")) {
                    if (cfg.events().contains(ev)) {
                        cfg = cfg.withStackTrigger(ev, "");
                    }
                }
            }
            // The hit tag resolves as hit, find and kd resolve it, against the slabinfo and kallsyms the file keeps.
            Recorder.Result r = Recorder.record(output, cfg, d, hit, (base, tag, slabinfo, sysfs, symbols) ->
                    HitTarget.resolve(tag, slabinfo, sysfs, symbols, HitTarget.CacheNameFields.live()).config(base),
                    System.err, signals, cgroups); // prints its own summary line
            // Stopped early to keep room on the disk, or by a full disk (its one-line error printed): the file is
            // whole and readable, but shorter than asked, and what the full disk cost is counted in it.
            return r.outOfRoom() != null ? 1 : 0;
        }
    }
}
