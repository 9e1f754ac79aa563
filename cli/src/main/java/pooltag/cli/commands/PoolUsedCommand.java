package pooltag.cli.commands;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.options.NoVmallocOption;
import pooltag.cli.options.JsonOption;
import pooltag.cli.render.Json;
import pooltag.cli.render.PoolUsedTable;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.windows.WindowsCaptures;

/** {@code !poolused [Flags [TagString]]} on the live kernel (or, with --from, on a Windows capture). */
@Command(name = "poolused", mixinStandardHelpOptions = true,
        header = "WinDbg's !poolused on the live kernel, or on a Windows capture with --from.", sortOptions = false,
        description = {"WinDbg's !poolused on the live kernel (or on a Windows capture with --from):",
                "usage per slab cache and per vmalloc caller.",
                "Allocs = live objects (areas for vmalloc), Used = bytes. NonPaged = unreclaimable,",
                "Paged = reclaimable caches (reclaim_account=1). Needs root (/proc/slabinfo is root-only)."},
        footer = {"", "Flags (hex, as WinDbg): 0 sort by tag, 1 verbose, 2 sort by NonPaged use, 4 sort by Paged use;",
                "2 and 4 cannot be combined; 8 (session pool) does not exist on Linux.",
                "TagString: * matches any run, ? one character (quote it from the shell).",
                "", "Example: pooltag poolused 2 'kmalloc-*'"})
public final class PoolUsedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "Flags", description = "hex flags, default 0")
    String flags;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TagString", description = "tag or wildcard pattern")
    String tagString;

    @Mixin
    JsonOption json;

    @Mixin
    NoVmallocOption vmalloc;

    @Option(names = "--from", paramLabel = "FILE",
            description = "a captured Windows !poolused or PoolMon screen or /n snapshot instead of the live kernel")
    java.nio.file.Path from;

    /** Test seam: the snapshot to show instead of the live kernel's (null: read procfs or --from). */
    java.util.function.Supplier<UsageSnapshot> source;

    @Override
    public Integer call() {
        PoolUsedQuery query;
        try {
            query = PoolUsedQuery.parse(flags, tagString);
        } catch (IllegalArgumentException e) {
            throw new PooltagException(e.getMessage());
        }
        UsageSnapshot snapshot = source != null ? source.get()
                : from != null ? WindowsCaptures.readSnapshot(from)
                : new ProcfsSource(java.nio.file.Path.of("/"), vmalloc.withVmalloc()).take();
        PoolUsedQuery.Result result = query.apply(snapshot);
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            Json.print(out, PoolUsedTable.json(result));
        } else {
            PoolUsedTable.print(out, result);
        }
        return 0;
    }
}
