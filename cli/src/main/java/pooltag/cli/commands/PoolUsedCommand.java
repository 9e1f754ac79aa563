package pooltag.cli.commands;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.CommandSpecs;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.NoVmallocOption;
import pooltag.cli.render.Json;
import pooltag.cli.render.PoolUsedTable;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.windows.WindowsCaptures;

/**
 * {@code !poolused [Flags [TagString]]} on the live kernel (or, with --from, on a Windows capture). Its command line
 * is built in code ({@link #commandSpec}), not from annotations: poolused is the one-shot command whose start-up
 * counts most (docs/PERFORMANCE.md, start-up round 5).
 */
public final class PoolUsedCommand extends JsonCommand implements Callable<Integer>, CommandSpecs.Built {
    /** Option names {@link #readAhead} looks for before the model exists; the model is built with them. */
    static final String FROM = "--from";
    static final String BY = "--by";

    String flags;

    String tagString;

    NoVmallocOption vmalloc = new NoVmallocOption();

    AddressesOption addressOption = new AddressesOption();

    java.nio.file.Path from;

    String by = "tag";

    int top = 0;

    /** This command's picocli model, with this object as its command: the only definition of its command line. */
    @Override
    public CommandSpec commandSpec() {
        CommandSpec s = wrap("poolused");
        s.usageMessage().sortOptions(false)
                .header("WinDbg's !poolused on the live kernel, or on a Windows capture with --from.")
                .description("WinDbg's !poolused on the live kernel (or on a Windows capture with --from):",
                        "usage per slab cache and per vmalloc caller.",
                        "Allocs = live objects (areas for vmalloc), Used = bytes. NonPaged = unreclaimable,",
                        "Paged = reclaimable caches (reclaim_account=1). Needs root (/proc/slabinfo is root-only).")
                .footer("", "Flags (hex, as WinDbg): 0 sort by tag, 1 verbose, 2 sort by NonPaged use, 4 sort by Paged"
                        + " use;", "2 and 4 cannot be combined; 8 (session pool) does not exist on Linux.",
                        "TagString: * matches any run, ? one character (quote it from the shell).",
                        "", "Example: pooltag poolused 2 'kmalloc-*'");
        s.addPositional(CommandSpecs.positional("0", "0..1", String.class, () -> flags, v -> flags = v, "Flags",
                "hex flags, default 0").build());
        s.addPositional(CommandSpecs.positional("1", "0..1", String.class, () -> tagString, v -> tagString = v,
                "TagString", "tag or wildcard pattern").build());
        s.addOption(vmalloc.option());
        s.addOption(addressOption.option());
        s.addOption(CommandSpecs.option(java.nio.file.Path.class, () -> from, v -> from = v, "FILE",
                "a captured Windows !poolused or PoolMon screen or /n snapshot instead of the live kernel",
                FROM).build());
        s.addOption(CommandSpecs.option(String.class, () -> by, v -> by = v, "KEY", "tag (per slab cache and vmalloc"
                + " caller, the default) or cgroup (the kernel memory the memory controller charges to each cgroup:"
                + " slab, stacks, page tables, percpu, sockets, vmalloc on cgroup v2; kmem and tcp on v1; no tracing"
                + " needed)", BY).build());
        s.addOption(CommandSpecs.option(int.class, () -> top, v -> top = v, "N",
                "with --by cgroup: rows shown, 0 for all (default: ${DEFAULT-VALUE})", "--top")
                .converters(new pooltag.cli.options.TopConverter.ZeroForAll()).build());
        CommandSpecs.standardHelpOptions(s);
        return s;
    }

    /**
     * Begins reading the live kernel before the command line is even parsed, when {@code args} (a whole
     * {@code poolused} command line) will read it: the reads then run on the other CPU beside picocli's model, and
     * the sysfs walk beside the parsing (docs/PERFORMANCE.md, start-up round 6). A command line that
     * reads a capture or cgroups or asks for help begins nothing; one that turns out to be wrong only costs the read.
     */
    public static void readAhead(String[] args) {
        boolean withVmalloc = true;
        for (String a : args) {
            if (a.equals(FROM) || a.startsWith(FROM + "=") || a.equals(BY) || a.startsWith(BY + "=")
                    || a.equals(CommandSpecs.HELP_SHORT) || a.equals(CommandSpecs.HELP)
                    || a.equals(CommandSpecs.VERSION_SHORT) || a.equals(CommandSpecs.VERSION)) {
                return;
            }
            if (a.equals(NoVmallocOption.NAME)) {
                withVmalloc = false;
            }
        }
        ProcfsSource.startReading(withVmalloc);
    }

    /** Test seam: the snapshot to show instead of the live kernel's (null: read procfs or --from). */
    java.util.function.Supplier<UsageSnapshot> source;

    /** Test seam: the cgroup snapshot for --by cgroup (null: read the live memory hierarchy). */
    java.util.function.Supplier<pooltag.core.cgroup.CgroupSnapshot> cgroupSource;

    @Override
    public Integer call() {
        // First: someone other than root asking is refused whatever else the command line says (cgroup paths
        // hold no kernel address, so --by cgroup prints the same either way).
        pooltag.engine.publish.AddressPolicy addresses = addressOption.policy();
        if (by.equals("cgroup")) {
            return byCgroup();
        }
        if (!by.equals("tag")) {
            throw new PooltagException("--by takes tag or cgroup, got '" + by + "'");
        }
        PoolUsedQuery query;
        try {
            query = PoolUsedQuery.parse(flags, tagString);
        } catch (IllegalArgumentException e) {
            throw new PooltagException(e.getMessage());
        }
        UsageSnapshot read = source != null ? source.get()
                : from != null ? WindowsCaptures.readSnapshot(from)
                : new ProcfsSource(java.nio.file.Path.of("/"), vmalloc.withVmalloc()).take();
        // A vmalloc caller without a symbol is named by its address (vmalloc:0xffff...), in a capture too: masked
        // before the query, so the TagString matches the name as printed (vmalloc:site@*; raw with --show-addresses)
        UsageSnapshot snapshot = addresses.names(read);
        if (from != null) {
            // A Windows capture's tags are four bytes: a TagString no pool tag can match is refused, not an empty
            // table (live, and in pooltag's own Linux tables, tags are slab caches and callers of any length).
            pooltag.windows.TagArgument.checkPatternFor(snapshot, tagString);
        }
        PoolUsedQuery.Result result = query.apply(snapshot);
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            Json.print(out, PoolUsedTable.json(result));
        } else {
            // Rendered whole, then written once: picocli's writer flushes at every line, and the table's 250 lines
            // were 250 flushes and system calls, 6 ms of poolused's start-up (docs/PERFORMANCE.md, start-up round 6).
            java.io.StringWriter table = new java.io.StringWriter(32 * 1024);
            PoolUsedTable.print(new PrintWriter(table), result);
            out.print(table);
            out.flush();
        }
        return 0;
    }

    private int byCgroup() {
        if (from != null) {
            throw new PooltagException("--by cgroup reads the live memory hierarchy; --from is for Windows captures");
        }
        if (tagString == null && flags != null && !looksLikeFlags(flags)) {
            // pooltag poolused --by cgroup face, or '/kubepods/*': a lone argument that is not a number is the pattern
            tagString = flags;
            flags = null;
        }
        if (flags != null && !flags.matches("(0[xX])?0*[01]?")) {
            throw new PooltagException("--by cgroup sorts by own kernel bytes: flags 0 or 1 only, got '" + flags + "'");
        }
        pooltag.core.cgroup.CgroupSnapshot s = cgroupSource != null ? cgroupSource.get()
                : pooltag.linux.cgroup.CgroupKernelMemory.live().take();
        pooltag.core.tag.TagPattern pattern = tagString == null ? pooltag.core.tag.TagPattern.any()
                : pooltag.core.tag.TagPattern.of(tagString);
        var rows = pooltag.cli.render.CgroupTable.select(s, pattern::matches, top);
        int total = pooltag.cli.render.CgroupTable.matching(s, pattern::matches);
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            Json.print(out, pooltag.cli.render.CgroupTable.json(s, rows, total));
        } else {
            pooltag.cli.render.CgroupTable.print(out, s, rows, total);
        }
        return 0;
    }

    /**
     * WinDbg's {@code !poolused [Flags [TagString]]}, with --by cgroup where flags matter little (0 or 1) and cgroup
     * names are words: a lone argument is Flags when it is a number, decimal digits or {@code 0x} and hex digits;
     * anything else ({@code face}, {@code /kubepods/*}) is the TagString. With two arguments the first is Flags.
     */
    static boolean looksLikeFlags(String arg) {
        return arg.matches("[0-9]+|0[xX][0-9a-fA-F]+");
    }
}
