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

    public UsageSnapshot take() {
        long t = System.nanoTime();
        String text = read(slabinfo);
        return snapshot(t, text, slabinfo.toString(), fixedSysfs != null ? fixedSysfs : readSysfs(), cpus,
                withVmalloc ? read(vmallocinfo) : null, vmallocinfo.toString());
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
        List<SlabinfoEntry> slabs = SlabinfoParser.parse(slabinfoText, where);
        List<TagUsage> rows = new ArrayList<>(slabs.size() + 256);
        for (SlabinfoEntry e : slabs) {
            Pool pool = sysfs.reclaimable(e.name()) ? Pool.PAGED : Pool.NONPAGED;
            List<String> aliases = sysfs.aliases(e.name());
            String desc = aliases.isEmpty() ? "slab cache, " + e.objectSize() + " B objects"
                    : "slab cache, " + e.objectSize() + " B objects, merged with " + String.join(" ", aliases);
            rows.add(new TagUsage(e.name(), TagKind.CACHE, pool, TagUsage.UNKNOWN, TagUsage.UNKNOWN,
                    e.activeObjects(), e.activeBytes(), desc, e.liveSlack(cpus)));
        }
        if (vmallocText != null) {
            for (VmallocinfoParser.Caller c : VmallocinfoParser.parse(vmallocText, vmallocWhere)) {
                String desc = c.kinds().isEmpty() ? "vmalloc areas" : "vmalloc areas (" + c.kinds() + ")";
                rows.add(new TagUsage("vmalloc:" + c.caller(), TagKind.VMALLOC, Pool.NONPAGED, TagUsage.UNKNOWN,
                        TagUsage.UNKNOWN, c.areas(), c.bytes(), desc));
            }
        }
        return new UsageSnapshot(takenAtNanos, vmallocText != null
                ? "/proc/slabinfo + /sys/kernel/slab + /proc/vmallocinfo" : "/proc/slabinfo + /sys/kernel/slab", rows,
                Loss.NONE);
    }

    private SlabSysfs readSysfs() {
        if (!Files.isDirectory(slabSysfs)) {
            // SLAB (not SLUB) kernels have no sysfs tree: everything is NonPaged, no aliases. Said in the help.
            return SlabSysfs.absent();
        }
        try {
            return SlabSysfs.read(slabSysfs);
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
