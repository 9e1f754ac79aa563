package pooltag.engine.kd;

import java.nio.file.Path;
import pooltag.linux.procfs.SlabSysfs;

import pooltag.core.error.PooltagException;
import pooltag.core.ledger.LedgerOptions;
import pooltag.engine.hit.HitTarget;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/** The targets {@code pooltag kd} can open; the one place that chooses an implementation. */
public final class KdTargets {
    private KdTargets() {
    }

    /**
     * The running kernel, traced from now until the target is closed ({@link LiveKdTarget}). When kmem tracing cannot
     * start (not root, no tracefs), the procfs-only target instead, whose tracing commands print the reason: the
     * console still answers {@code .reload} and {@code !poolused}.
     */
    public static KdTarget live(boolean withVmalloc) {
        return live(withVmalloc, KmemTagPolicy.ledgerOptions(), TraceConfig.kmem());
    }

    /**
     * As {@link #live(boolean)}, with the ledger's options (Linux's tag policy, the outstanding cap) and the trace
     * settings (the command's buffer options).
     */
    public static KdTarget live(boolean withVmalloc, LedgerOptions options, TraceConfig config) {
        try {
            return LiveKdTarget.open(withVmalloc, options, config);
        } catch (PooltagException e) {
            return new ProcfsKdTarget(Path.of("/"), withVmalloc, e.getMessage());
        }
    }

    /**
     * A recording, where {@code g} replays to the next hit ({@link RecordingKdTarget}).
     *
     * @throws PooltagException one line, when the file cannot be read as a recording
     */
    public static KdTarget recording(Path file) {
        return recording(file, KmemTagPolicy.ledgerOptions());
    }

    /** As {@link #recording(Path)}, with the ledger's options (Linux's tag policy, the outstanding cap). */
    public static KdTarget recording(Path file, LedgerOptions options) {
        try {
            return RecordingKdTarget.open(file, options);
        } catch (PooltagException e) {
            throw new PooltagException("--recording " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A PoolHitTag value resolved for {@code armHit}: {@link HitTarget#resolve}, whose every failure is a name that
     * resolves to nothing traceable (tracing is not touched yet), so it is told as such to the console.
     *
     * @param slabinfo the kernel's {@code /proc/slabinfo} text (cache names), "" when unknown
     * @param sysfs    its {@code /sys/kernel/slab} (names merged into another cache)
     * @throws UnknownTagException one line, when the tag names no cache, kernel function, kmalloc class or module
     */
    static HitTarget resolveHit(String typed, String slabinfo, SlabSysfs sysfs, KernelSymbols symbols) {
        return resolveHit(typed, slabinfo, sysfs, java.util.Set.of(), symbols);
    }

    /**
     * As above, on a kernel whose kmem_cache events carry the cache name as {@code fields} says (the live kernel's:
     * {@link HitTarget.CacheNameFields#live()}).
     */
    static HitTarget resolveHit(String typed, String slabinfo, SlabSysfs sysfs, KernelSymbols symbols,
                                HitTarget.CacheNameFields fields) {
        return asUnknownTag(() -> HitTarget.resolve(typed, slabinfo, sysfs, symbols, fields));
    }

    /**
     * As above, for a recording: {@code seenCaches} are the caches its events name
     * ({@link HitTarget#resolveInRecording}, as {@code find --from} resolves a tag).
     */
    static HitTarget resolveHit(String typed, String slabinfo, SlabSysfs sysfs, java.util.Collection<String> seenCaches,
                                KernelSymbols symbols) {
        return asUnknownTag(() -> HitTarget.resolveInRecording(typed, slabinfo, sysfs, seenCaches, symbols));
    }

    /** A resolution whose every failure is told to the console as a tag that names nothing traceable. */
    private static HitTarget asUnknownTag(java.util.function.Supplier<HitTarget> resolution) {
        try {
            return resolution.get();
        } catch (UnknownTagException e) {
            throw e;
        } catch (PooltagException e) {
            throw new UnknownTagException(e.getMessage(), e);
        }
    }
}
