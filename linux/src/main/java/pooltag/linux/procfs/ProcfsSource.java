package pooltag.linux.procfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Usage snapshots of the live kernel from {@code /proc/slabinfo}, {@code /sys/kernel/slab} and
 * {@code /proc/vmallocinfo}; no tracing needed. One row per slab cache (live = active objects, bytes = active
 * objects x object size; Paged when {@code reclaim_account} = 1) and one per vmalloc caller (tag
 * {@code vmalloc:<caller>}, live = areas, bytes = area sizes; always NonPaged).
 *
 * <p>The root is configurable so tests can read a tree captured from a real machine.
 */
public final class ProcfsSource {
    /**
     * How often a hunt reads {@code /proc/slabinfo} (and re-arms its leaders), and so how often a recording samples
     * it: a replay of the recording ({@code hunt --from}) ranks over samples at the live hunt's cadence.
     */
    public static final java.time.Duration SAMPLE_EVERY = java.time.Duration.ofMillis(500);

    private final Path slabinfo;
    private final Path slabSysfs;
    private final Path vmallocinfo;
    private final boolean withVmalloc;
    /** Reads the running kernel (root {@code /}), so the reads {@link #startReading} began may serve it. */
    private final boolean live;
    /** Read once and kept, or null to read sysfs at every snapshot. */
    private final SlabSysfs fixedSysfs;
    /** CPUs online when the source was made, for the rows' slack (read once: a sysfs open shows in the trace). */
    private final int cpus;

    public ProcfsSource(Path root, boolean withVmalloc) {
        this(root, withVmalloc, null);
    }

    /**
     * @param sysfs the reclaim flags and aliases to use for every snapshot, read once by the caller; while tracing,
     *              re-reading hundreds of sysfs files each second would itself allocate (kernfs open files) and show
     *              up in the very trace being taken
     */
    public ProcfsSource(Path root, boolean withVmalloc, SlabSysfs sysfs) {
        this.live = root.equals(Path.of("/"));
        this.slabinfo = root.resolve("proc/slabinfo");
        this.slabSysfs = root.resolve("sys/kernel/slab");
        this.vmallocinfo = root.resolve("proc/vmallocinfo");
        this.withVmalloc = withVmalloc;
        this.fixedSysfs = sysfs;
        this.cpus = Cpus.online();
    }

    /** The running kernel. */
    public static ProcfsSource live() {
        return new ProcfsSource(Path.of("/"), true);
    }

    /**
     * Reads the three sources now, in this order: {@code /proc/slabinfo}, {@code /sys/kernel/slab} (unless the view
     * is fixed), {@code /proc/vmallocinfo}; the snapshot's time is taken before the first. The first that fails is
     * the error. When the reads {@link #startReading} began fit this source, they are used instead, with the same
     * order of errors.
     */
    public UsageSnapshot take() {
        EarlyRead early = earlyRead();
        if (early != null) {
            return takeEarly(early);
        }
        long t = System.nanoTime();
        String text = read(slabinfo);
        SlabSysfs sysfs = fixedSysfs;
        if (sysfs == null) {
            SlabSysfs.Reading begun = beginSysfs(slabSysfs);
            sysfs = begun == null ? SlabSysfs.absent() : begun.finish();
        }
        return snapshot(t, text, slabinfo.toString(), sysfs, cpus, withVmalloc ? read(vmallocinfo) : null,
                vmallocinfo.toString());
    }

    /**
     * The snapshot of reads begun early: the texts are read by then (or nearly), this thread parses them while the
     * reader thread walks {@code /sys/kernel/slab}, then helps it with the reclaim flags left. A failure is thrown in
     * {@link #take()}'s order: slabinfo's read, sysfs, vmallocinfo's read, then the parse.
     */
    private UsageSnapshot takeEarly(EarlyRead early) {
        Texts texts = joined(early.texts());
        if (texts.vmallocinfoFailure() != null) {
            joined(early.sysfs()); // only its listing can fail: its failure comes first
            throw texts.vmallocinfoFailure();
        }
        List<SlabinfoEntry> slabs;
        List<VmallocinfoParser.Caller> callers;
        try {
            slabs = SlabinfoParser.parse(texts.slabinfo(), slabinfo.toString());
            callers = joined(early.callers());
        } catch (RuntimeException | Error e) {
            joined(early.sysfs()); // only its listing can fail: its failure comes first
            throw e;
        }
        return snapshot(texts.takenAtNanos(), slabs, finished(early.sysfs()), cpus, callers);
    }

    /**
     * The procfs files' texts as read at {@code takenAtNanos} (System.nanoTime); vmallocinfo null when not read, or
     * when its read failed ({@code vmallocinfoFailure}, thrown after sysfs's own failure, as {@link #take()} would).
     */
    private record Texts(long takenAtNanos, String slabinfo, String vmallocinfo,
                         RuntimeException vmallocinfoFailure) {
    }

    private Texts readTexts() {
        long t = System.nanoTime();
        String text = read(slabinfo);
        if (!withVmalloc) {
            return new Texts(t, text, null, null);
        }
        try {
            return new Texts(t, text, read(vmallocinfo), null);
        } catch (RuntimeException e) {
            return new Texts(t, text, null, e);
        }
    }

    /** Reads of the live kernel begun at {@code startedAt} (System.nanoTime) by {@link #startReading}. */
    private record EarlyRead(boolean withVmalloc, java.util.concurrent.FutureTask<Texts> texts,
                             java.util.concurrent.FutureTask<List<VmallocinfoParser.Caller>> callers,
                             java.util.concurrent.FutureTask<SlabSysfs.Reading> sysfs, long startedAt) {
    }

    /** The reads {@link #startReading} began that no {@link #take()} has used yet, or null. */
    private static final java.util.concurrent.atomic.AtomicReference<EarlyRead> EARLY_READ =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** Reads begun longer ago than this are not used (a process that began them and never took a snapshot). */
    private static final long EARLY_READ_FRESH_NANOS = 2_000_000_000L;

    /**
     * Begins reading the running kernel's sources now, on a thread of its own (the procfs files first, then
     * vmallocinfo's parse, then {@code /sys/kernel/slab}), for the next {@link #take()} within two seconds of a
     * source on the live kernel with the same vmalloc choice, which then only parses slabinfo and helps with the sysfs
     * flags left: a one-shot {@code poolused} begins them before building its command line, so that the reads run on
     * the other CPU beside picocli's model, and the sysfs walk beside the parsing (docs/PERFORMANCE.md, start-up
     * round 6). The snapshot's time is when the procfs reads began. Only poolused does this: a command that takes
     * snapshots again and again ({@code mon}, the exporter) reads on its own thread, starting none, whose allocations
     * would show in a trace.
     */
    public static void startReading(boolean withVmalloc) {
        ProcfsSource source = new ProcfsSource(Path.of("/"), withVmalloc);
        java.util.concurrent.FutureTask<Texts> texts = new java.util.concurrent.FutureTask<>(source::readTexts);
        // vmallocinfo's callers (null when not read or its read failed: take() throws that failure in its place).
        java.util.concurrent.FutureTask<List<VmallocinfoParser.Caller>> callers = new java.util.concurrent.FutureTask<>(
                () -> {
                    Texts t = doneOrNull(texts); // run just before, on this thread
                    return t == null || t.vmallocinfo() == null ? null
                            : VmallocinfoParser.parse(t.vmallocinfo(), source.vmallocinfo.toString());
                });
        java.util.concurrent.FutureTask<SlabSysfs.Reading> sysfs = new java.util.concurrent.FutureTask<>(
                () -> beginSysfs(source.slabSysfs));
        Thread reader = new Thread(() -> {
            texts.run();
            callers.run();
            sysfs.run();
            SlabSysfs.Reading begun = doneOrNull(sysfs);
            if (begun != null) {
                begun.help();
            }
        }, "pooltag-procfs");
        reader.setDaemon(true);
        reader.start();
        EARLY_READ.set(new EarlyRead(withVmalloc, texts, callers, sysfs, System.nanoTime()));
    }

    /** The early reads for this source, taken so that only one {@link #take()} uses them; null when none fit. */
    private EarlyRead earlyRead() {
        if (fixedSysfs != null || !live) {
            return null;
        }
        EarlyRead early = EARLY_READ.getAndSet(null);
        if (early == null || early.withVmalloc() != withVmalloc
                || System.nanoTime() - early.startedAt() > EARLY_READ_FRESH_NANOS) {
            return null;
        }
        return early;
    }

    /** What the finished {@code task} made, or null when it failed (its failure is thrown where it is needed). */
    private static <T> T doneOrNull(java.util.concurrent.FutureTask<T> task) {
        try {
            return task.get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            return null;
        }
    }

    /** The view {@code sysfs} reads, this thread helping with the flags left; what it threw, as thrown here. */
    private static SlabSysfs finished(java.util.concurrent.FutureTask<SlabSysfs.Reading> sysfs) {
        SlabSysfs.Reading begun = joined(sysfs);
        return begun == null ? SlabSysfs.absent() : begun.finish();
    }

    /** What {@code read} made, or what it threw, as thrown on this thread. */
    private static <T> T joined(java.util.concurrent.FutureTask<T> read) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return read.get();
                } catch (InterruptedException e) {
                    // The read is short and bounded (a few files, one pass over a directory): finish it, then keep
                    // the interrupt.
                    interrupted = true;
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The text of {@code /proc/slabinfo} now (a recording keeps it, and {@link #snapshot} reads it). */
    public String slabinfoText() {
        return read(slabinfo);
    }

    /**
     * The snapshot of a {@code /proc/slabinfo} text read at {@code takenAtNanos}, with pools and aliases from
     * {@code sysfs}: what {@link #take()} builds, so a recording's samples read back into the same snapshots.
     *
     * @param where       how parse errors name the text (a file, or a recording block)
     * @param cpus        CPUs of the kernel that wrote it, for each row's {@link TagUsage#liveSlack}
     * @param vmallocText {@code /proc/vmallocinfo}'s text, or null for none
     */
    public static UsageSnapshot snapshot(long takenAtNanos, String slabinfoText, String where, SlabSysfs sysfs,
                                         int cpus, String vmallocText, String vmallocWhere) {
        return snapshot(takenAtNanos, SlabinfoParser.parse(slabinfoText, where), sysfs, cpus,
                vmallocText == null ? null : VmallocinfoParser.parse(vmallocText, vmallocWhere));
    }

    /** The snapshot of parsed slabinfo rows and vmalloc callers (null: none read). */
    private static UsageSnapshot snapshot(long takenAtNanos, List<SlabinfoEntry> slabs, SlabSysfs sysfs, int cpus,
                                          List<VmallocinfoParser.Caller> vmallocCallers) {
        List<TagUsage> rows = new ArrayList<>(slabs.size() + 256);
        for (SlabinfoEntry e : slabs) {
            Pool pool = sysfs.reclaimable(e.name()) ? Pool.PAGED : Pool.NONPAGED;
            List<String> aliases = sysfs.aliases(e.name());
            String desc = aliases.isEmpty() ? "slab cache, " + e.objectSize() + " B objects"
                    : "slab cache, " + e.objectSize() + " B objects, merged with " + String.join(" ", aliases);
            rows.add(new TagUsage(e.name(), TagKind.CACHE, pool, TagUsage.UNKNOWN, TagUsage.UNKNOWN,
                    e.activeObjects(), e.activeBytes(), desc, e.liveSlack(cpus)));
        }
        if (vmallocCallers != null) {
            for (VmallocinfoParser.Caller c : vmallocCallers) {
                String desc = c.kinds().isEmpty() ? "vmalloc areas" : "vmalloc areas (" + c.kinds() + ")";
                rows.add(new TagUsage("vmalloc:" + c.caller(), TagKind.VMALLOC, Pool.NONPAGED, TagUsage.UNKNOWN,
                        TagUsage.UNKNOWN, c.areas(), c.bytes(), desc));
            }
        }
        return new UsageSnapshot(takenAtNanos, vmallocCallers != null
                ? "/proc/slabinfo + /sys/kernel/slab + /proc/vmallocinfo" : "/proc/slabinfo + /sys/kernel/slab", rows,
                Loss.NONE);
    }

    /** The read of {@code slabSysfs} begun (listed, names resolved), or null for a kernel without one. */
    private static SlabSysfs.Reading beginSysfs(Path slabSysfs) {
        if (!Files.isDirectory(slabSysfs)) {
            // SLAB (not SLUB) kernels have no sysfs tree: everything is NonPaged, no aliases. Said in the help.
            return null;
        }
        try {
            return SlabSysfs.Reading.begin(slabSysfs);
        } catch (IOException e) {
            throw fileError(slabSysfs, e);
        }
    }

    static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw fileError(p, e);
        }
    }

    static PooltagException fileError(Path p, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new PooltagException("cannot read " + p + ": permission denied (the kernel lets only root read it);"
                    + " run pooltag as root, e.g. sudo ./pooltag ...", e);
        }
        if (e instanceof NoSuchFileException) {
            return new PooltagException("cannot read " + p + ": no such file (is this a Linux kernel with"
                    + " SLUB/SLAB and /proc mounted?)", e);
        }
        return new PooltagException("cannot read " + p + ": " + e.getMessage(), e);
    }
}
