package pooltag.cli.commands;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.BufferOptions;
import pooltag.cli.options.JsonOption;
import pooltag.cli.options.NoVmallocOption;
import pooltag.engine.run.LiveFeed;
import pooltag.cli.mon.MonScreen;
import pooltag.engine.publish.TracedUsage;
import pooltag.cli.render.LossLine;
import pooltag.cli.render.PoolMonText;
import pooltag.engine.publish.AddressPolicy;
import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.cli.render.CgroupTable;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.PoolMonModel;
import pooltag.core.snapshot.SnapshotGrowth;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.core.tag.TagPattern;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.symbols.KernelSymbols;

/** PoolMon on the live kernel: a full-screen view, or {@code --batch} snapshots for scripts. */
@Command(name = "mon", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"PoolMon on the live kernel: per-tag Allocs, Frees, Diff, Bytes and Per Alloc, refreshed.",
                "From procfs alone only Diff and Bytes are known: Allocs and Frees show '-';",
                "--trace fills them from the kernel's allocation events (counted since start).",
                "Keys: t a f d b m sort (tag, allocs, frees, diff, bytes, per alloc); ( or ) sort by change;",
                "p cycles the pools; e totals; i include pattern; x exclude pattern; q quits."},
        footer = {"", "PoolMon's own start-up letters work too: pooltag mon /b /p /iAbc* /xdma-*",
                "Example: pooltag mon --batch --count 3 --interval 1"})
public final class MonCommand extends LedgerCommand implements Callable<Integer> {
    @Option(names = "--interval", paramLabel = "S", description = "seconds between refreshes (default: ${DEFAULT-VALUE})")
    double intervalSeconds = 5;

    @Option(names = "--sort", paramLabel = "KEY", description = "t a f d b m (default: b)")
    char sortKey = 'b';

    @Option(names = "--by-change", description = "sort by the change of the sort column")
    boolean byChange;

    @Option(names = "--pool", paramLabel = "POOL", description = "ALL, NONPAGED or PAGED (default: ${DEFAULT-VALUE})")
    PoolMonModel.PoolFilter pool = PoolMonModel.PoolFilter.ALL;

    @Option(names = "--totals", description = "show the totals line")
    boolean totals;

    @Option(names = {"-i", "--include"}, paramLabel = "PATTERN", description = "only tags matching (repeatable)")
    List<String> include = new ArrayList<>();

    @Option(names = {"-x", "--exclude"}, paramLabel = "PATTERN", description = "hide tags matching (repeatable)")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--batch", description = "print PoolMon /n snapshots instead of the full screen")
    boolean batch;

    @Option(names = "--count", paramLabel = "N", description = "snapshots in --batch mode (default: ${DEFAULT-VALUE})")
    int count = 1;

    @Option(names = "--output", paramLabel = "FILE", description = "write --batch snapshots to FILE (summary still on stdout);"
            + " created 0600, never over an existing file")
    Path output;

    @Option(names = "--top", paramLabel = "N", converter = pooltag.cli.options.TopConverter.ZeroForAll.class, description = "rows per --batch snapshot, 0 for all (default: ${DEFAULT-VALUE})")
    int top = 0;

    @Mixin
    NoVmallocOption vmalloc;

    @Option(names = "--trace", description = "fill Allocs and Frees from a private tracing session (kmem events,"
            + " counted since start; needs root); the loss counters are shown with every refresh")
    boolean trace;

    @Option(names = "--tag-by", paramLabel = "KIND", description = "with --trace: cache (procfs Diff and Bytes, traced"
            + " Allocs and Frees), site (call sites as tags; every column from the trace) or cgroup (the allocating"
            + " task's memory cgroup; every column from the trace) (default: ${DEFAULT-VALUE})")
    String tagBy = "cache";

    @Option(names = "--by", paramLabel = "KEY", description = "tag (the default) or cgroup: the kernel memory the memory"
            + " controller charges to each cgroup, per --batch snapshot, and which cgroups grew (no tracing needed)")
    String by = "tag";

    /** With --by cgroup --batch: the last snapshot and the growth as JSON. */
    @Mixin
    JsonOption json;

    /** Test seam: cgroup snapshots for --by cgroup (null: the live memory hierarchy). */
    Supplier<pooltag.core.cgroup.CgroupSnapshot> cgroupSource;

    @Parameters(paramLabel = "POOLMON-OPTION", arity = "0..*",
            description = "PoolMon letters: /t /a /f /d /b /m /( /p (twice: paged) /e /iTAG /xTAG")
    List<String> poolmonOptions = new ArrayList<>();

    @Mixin
    BufferOptions buffer = new BufferOptions();

    @Mixin
    AddressesOption addressOption = new AddressesOption();

    /** How tags print: set first in {@link #call}, before any snapshot or tracing. */
    private AddressPolicy addresses = AddressPolicy.masked();

    @Override
    public Integer call() throws IOException {
        // First: someone other than root asking is refused before any tracing (and with --by cgroup, whose cgroup
        // paths print the same either way).
        addresses = addressOption.policy();
        PoolMonModel model = initialModel();
        if (intervalSeconds <= 0) {
            throw new PooltagException("--interval must be positive, got " + intervalSeconds);
        }
        if (count < 1) { // before any tracing starts, for every way to the batch loop (by tag, by cgroup, no terminal)
            throw new PooltagException("--count must be at least 1, got " + count);
        }
        buffer.refuseUnless(trace, "without --trace mon reads procfs and traces nothing");
        if (output != null) {
            // Before the first snapshot, not after the run: created new, in a directory that takes it.
            pooltag.core.io.OutputPaths.refuseUnwritable("--output", output, pooltag.core.io.OutputPaths.Existing.REFUSED);
        }
        if (by.equals("cgroup")) {
            return byCgroup(model);
        }
        if (!by.equals("tag")) {
            throw new PooltagException("--by takes tag or cgroup, got '" + by + "'");
        }
        TagKind kind = tagKind();
        if (!trace) {
            Supplier<UsageSnapshot> source = snapshotSource();
            if (batch) {
                return batch(model, source);
            }
            return screen(model, source, new MonScreen(source, model, totals, (long) (intervalSeconds * 1000)));
        }
        // The session is torn down on every way out: q, the end of --batch, an error (finally), SIGINT/SIGTERM (the
        // session's shutdown hook).
        pooltag.core.ledger.CgroupResolver resolver = kind.isCgroup() ? pooltag.linux.cgroup.PidCgroupResolver.live() : null;
        LiveFeed feed = LiveFeed.open(KernelSymbols.load(), buffer.apply(TraceConfig.kmem()), cap.ledgerOptions(),
                resolver, "pooltag-mon-trace");
        try {
            feed.awaitSnapshot(kind, FIRST_SNAPSHOT_WAIT); // so the first refresh has counts, not '-'
            Supplier<UsageSnapshot> source = tracedSource(feed, kind);
            if (batch) {
                return batch(model, source);
            }
            // A dead tracing session (snapshot throws) ends the screen within half a second, with its one line.
            return screen(model, source, new MonScreen(source, model, totals, (long) (intervalSeconds * 1000), true)
                    .withCheck(() -> feed.snapshot(kind)));
        } finally {
            feed.close();
            // The whole run's counters, after the drain: what the last table could not know yet (the end-of-run
            // reconciliation with the kernel's read count included).
            pooltag.linux.kmem.SessionStats st = feed.stats();
            if (st != null) {
                spec.commandLine().getErr().println("pooltag mon: " + st.describe());
                spec.commandLine().getErr().flush();
            }
        }
    }

    /**
     * The full screen on the system terminal; without one (a pipe, a file, cron) the --batch snapshots instead, as
     * top -b and slabtop print without a tty: plain newline-ended lines, not a screen's cursor moves and bare CRs.
     */
    private int screen(PoolMonModel model, Supplier<UsageSnapshot> source, MonScreen screen) throws IOException {
        try (org.jline.terminal.Terminal terminal = MonScreen.systemTerminal()) {
            if (terminal == null) {
                return batch(model, source);
            }
            screen.run(terminal);
            return 0;
        }
    }

    /** How long to wait for the ledger's first publish (it needs 250 ms of events; a start-up takes about 1 s). */
    static final Duration FIRST_SNAPSHOT_WAIT = Duration.ofSeconds(15);

    TagKind tagKind() {
        TagKind kind = pooltag.cli.options.TagBy.parse(tagBy, java.util.EnumSet.complementOf(
                java.util.EnumSet.of(pooltag.cli.options.TagBy.CACHE_SITE))).kind();
        if (kind == TagKind.SITE && !trace) {
            throw new PooltagException("--tag-by site needs --trace: procfs knows no call sites");
        }
        if (kind.isCgroup() && !trace) {
            throw new PooltagException("--tag-by cgroup needs --trace (for the kernel's own per-cgroup accounting,"
                    + " without tracing: mon --by cgroup --batch)");
        }
        return kind;
    }

    /**
     * By cache: procfs read now, with the ledger's latest counts; by site: the ledger's latest snapshot alone. Every
     * row's tag as {@link #addresses} prints it: an unresolved site ({@code 0xffff...}, also the site half of
     * {@code site@cgroup}) and a vmalloc caller without a symbol read {@code site@} and the run's keyed hash, one
     * row each, as hunt --tag-by site prints them; a cgroup path is no address and stays.
     */
    Supplier<UsageSnapshot> tracedSource(LiveFeed feed, TagKind kind) {
        if (kind == TagKind.CGROUP) {
            return () -> feed.snapshot(kind); // cgroup paths, never kernel addresses: nothing to mask
        }
        if (kind == TagKind.CGROUP_CACHE || kind == TagKind.CGROUP_SITE || kind == TagKind.SITE) {
            return () -> addresses.names(feed.snapshot(kind)); // an unresolved site is an address
        }
        ProcfsSource procfs = new ProcfsSource(Path.of("/"), vmalloc.withVmalloc());
        return () -> addresses.names(TracedUsage.merge(procfs.take(), feed.snapshot(TagKind.CACHE)));
    }

    /** Test seam: the snapshots to show instead of the live kernel's (null: read procfs). */
    Supplier<UsageSnapshot> usageSource;

    /**
     * procfs (or the seam's) snapshots as {@link #addresses} prints them: a vmalloc caller named by its address reads
     * {@code vmalloc:site@} and the run's keyed hash on every refresh, in the table, the growth summary and --output;
     * the -i/-x patterns match the name as printed.
     */
    Supplier<UsageSnapshot> snapshotSource() {
        Supplier<UsageSnapshot> read = usageSource;
        if (read == null) {
            ProcfsSource procfs = new ProcfsSource(Path.of("/"), vmalloc.withVmalloc());
            read = procfs::take;
        }
        Supplier<UsageSnapshot> taken = read;
        return () -> addresses.names(taken.get());
    }

    PoolMonModel initialModel() {
        PoolMonModel.SortKey sort;
        try {
            sort = PoolMonModel.SortKey.ofKey(sortKey);
        } catch (IllegalArgumentException e) {
            throw new PooltagException("--sort " + e.getMessage());
        }
        boolean change = byChange;
        PoolMonModel.PoolFilter pools = pool;
        List<TagPattern> inc = new ArrayList<>();
        List<TagPattern> exc = new ArrayList<>();
        include.forEach(p -> inc.add(TagPattern.of(p)));
        exclude.forEach(p -> exc.add(TagPattern.of(p)));
        int pSeen = 0;
        for (String o : poolmonOptions) {
            if (o.length() < 2 || (o.charAt(0) != '/' && o.charAt(0) != '-')) {
                throw new PooltagException("unknown PoolMon option '" + o + "' (use /t /a /f /d /b /m /( /p /e /iTAG /xTAG)");
            }
            char c = o.charAt(1);
            String rest = o.substring(2);
            switch (c) {
                case 't', 'a', 'f', 'd', 'b', 'm' -> sort = PoolMonModel.SortKey.ofKey(c);
                case '(', ')' -> change = true;
                case 'p' -> pools = ++pSeen == 1 ? PoolMonModel.PoolFilter.NONPAGED : PoolMonModel.PoolFilter.PAGED;
                case 'e' -> totals = true;
                case 'i' -> inc.add(TagPattern.of(requirePattern(o, rest)));
                case 'x' -> exc.add(TagPattern.of(requirePattern(o, rest)));
                case 's' -> throw new PooltagException("PoolMon /s (session pool) is not on Linux: the kernel has no session pool");
                default -> throw new PooltagException("unknown PoolMon option '" + o + "' (use /t /a /f /d /b /m /( /p /e /iTAG /xTAG)");
            }
        }
        return new PoolMonModel(sort, change, pools, inc, exc);
    }

    private static String requirePattern(String option, String rest) {
        if (rest.isEmpty()) {
            throw new PooltagException("PoolMon option '" + option + "' needs a tag pattern right after the letter, e.g. /iAbc*");
        }
        return rest;
    }

    /** What one --batch loop does with snapshot {@code index} (0-based); {@code first} is snapshot 0. */
    @FunctionalInterface
    private interface SnapshotPrinter<S> {
        void print(PrintWriter snapOut, int index, S snapshot, S first);
    }

    /**
     * The one --batch loop of mon (by tag and by cgroup): {@code count} snapshots at a fixed rate, each handed to
     * {@code each} with the snapshots' writer (--output or stdout), then {@code end} with the same writer before
     * --output is closed.
     */
    private <S> void batchLoop(Supplier<S> source, SnapshotPrinter<S> each,
                               java.util.function.BiConsumer<PrintWriter, S> end) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter snapOut = output == null ? out : createOutput();
        long intervalNanos = (long) (intervalSeconds * 1e9);
        long start = System.nanoTime();
        S first = null;
        S last = null;
        // SIGINT/SIGTERM end the series early, as they end hunt's: the snapshots taken so far get their growth summary
        // and a traced run its counters (the JVM's default handler exited at once, printing neither)
        try (pooltag.linux.kmem.StopSignals signals = pooltag.linux.kmem.StopSignals.install(System.err)) {
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    // Fixed rate: snapshot i is due at start + i * interval, however long the reads took.
                    if (sleepUnlessStopped(signals, start + i * intervalNanos)) {
                        break;
                    }
                }
                last = source.get();
                if (first == null) {
                    first = last;
                }
                each.print(snapOut, i, last, first);
                snapOut.flush();
            }
            end.accept(snapOut, last);
            snapOut.flush();
        } finally {
            if (output != null) {
                snapOut.close();
            }
        }
    }

    private int batch(PoolMonModel model, Supplier<UsageSnapshot> source) {
        List<UsageSnapshot> series = new ArrayList<>(Math.max(count, 0));
        batchLoop(source, (snapOut, i, s, first) -> {
            series.add(s);
            List<PoolMonModel.Row> rows = model.rows(null, s);
            if (top > 0 && rows.size() > top) {
                rows = rows.subList(0, top);
            }
            snapOut.printf(" Snapshot %d of %d at +%.3f s (%s)%n", i + 1, count,
                    (s.takenAtNanos() - first.takenAtNanos()) / 1e9, s.source());
            for (String line : PoolMonText.snapshot(rows)) {
                snapOut.println(line);
            }
            if (totals) {
                PoolMonModel.Totals t = model.totals(model.rows(null, s));
                snapOut.println(PoolMonText.screenTotals(PoolMonText.tagWidth(rows), t));
            }
            if (trace) {
                snapOut.println(LossLine.of(s.loss())); // cumulative since tracing began
            }
            snapOut.println();
        }, (snapOut, last) -> { });
        printGrowth(spec.commandLine().getOut(), model, series);
        return 0;
    }

    /**
     * {@code --by cgroup --batch}: one table per snapshot (own kernel bytes per cgroup, top N), then the cgroups whose
     * own kernel memory grew from the first snapshot to the last. Cgroup paths are filtered as tags are: every -i,
     * -x, /iPATTERN and /xPATTERN of {@code model}. With --json the last snapshot and the growth are one JSON object,
     * written where the snapshots go (--output or stdout).
     */
    private int byCgroup(PoolMonModel model) {
        if (!batch) {
            throw new PooltagException("mon --by cgroup prints snapshots: add --batch (with --count and --interval)");
        }
        if (trace) {
            throw new PooltagException("mon --by cgroup reads the kernel's own accounting; for traced allocations per"
                    + " cgroup use mon --trace --tag-by cgroup");
        }
        Supplier<CgroupSnapshot> source = cgroupSource != null ? cgroupSource
                : pooltag.linux.cgroup.CgroupKernelMemory.live()::take;
        CgroupSnapshot[] firstLast = new CgroupSnapshot[2];
        batchLoop(source, (snapOut, i, s, f) -> {
            firstLast[0] = f;
            firstLast[1] = s;
            if (!json.on()) {
                snapOut.printf(" Snapshot %d of %d at +%.3f s%n", i + 1, count, (s.takenAtNanos() - f.takenAtNanos()) / 1e9);
                CgroupTable.print(snapOut, s, CgroupTable.select(s, model::admits, top),
                        CgroupTable.matching(s, model::admits));
                snapOut.println();
            }
        }, (snapOut, last) -> {
            if (json.on()) {
                var root = CgroupTable.json(last, CgroupTable.select(last, model::admits, top),
                        CgroupTable.matching(last, model::admits));
                root.set("growth", CgroupTable.growthJson(firstLast[0], last, model::admits));
                pooltag.cli.render.Json.print(snapOut, root);
            }
        });
        if (!json.on()) {
            CgroupTable.printGrowth(spec.commandLine().getOut(), firstLast[0], firstLast[1], model::admits);
        }
        return 0;
    }

    /** --output: created as a recording is (new, 0600, the sudo caller's when run under sudo). */
    private PrintWriter createOutput() {
        return new PrintWriter(new java.io.OutputStreamWriter(pooltag.core.io.PrivateFiles.create(output),
                java.nio.charset.StandardCharsets.UTF_8));
    }

    static void printGrowth(PrintWriter out, PoolMonModel model, List<UsageSnapshot> series) {
        List<SnapshotGrowth.Growth> grown = SnapshotGrowth.grown(series, model::admits);
        double seconds = series.size() < 2 ? 0
                : (series.get(series.size() - 1).takenAtNanos() - series.get(0).takenAtNanos()) / 1e9;
        out.printf(" Growth over %d snapshots in %.3f s: %d tags grew%n", series.size(), seconds, grown.size());
        if (!grown.isEmpty()) {
            int w = 4;
            for (SnapshotGrowth.Growth g : grown) {
                w = Math.max(w, g.tag().length());
            }
            out.printf(" %-" + w + "s %-5s %10s %12s %12s%n", "Tag", "Type", "Diff chg", "Bytes chg", "Bytes/s");
            for (SnapshotGrowth.Growth g : grown) {
                out.printf(" %-" + w + "s %-5s %+10d %+12d %12.1f%n", g.tag(), g.pool().poolmonType(), g.liveChange(),
                        g.bytesChange(), g.bytesPerSecond());
            }
        }
        out.flush();
    }

    /** Sleeps until {@code dueNanos} (System.nanoTime) in slices of at most 50 ms: true when a signal asked to stop. */
    private static boolean sleepUnlessStopped(pooltag.linux.kmem.StopSignals signals, long dueNanos) {
        while (!signals.stopRequested()) {
            long left = dueNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            sleep(Math.min(50, Math.max(1, left / 1_000_000)));
        }
        return true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PooltagException("interrupted");
        }
    }
}
