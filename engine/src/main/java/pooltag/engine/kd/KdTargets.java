package pooltag.engine.kd;

import java.nio.file.Path;

import pooltag.core.error.PooltagException;
import pooltag.core.ledger.LedgerOptions;
import pooltag.linux.kmem.KmemTagPolicy;

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
        return live(withVmalloc, KmemTagPolicy.ledgerOptions());
    }

    /** As {@link #live(boolean)}, with the ledger's options (Linux's tag policy, the outstanding cap). */
    public static KdTarget live(boolean withVmalloc, LedgerOptions options) {
        try {
            return LiveKdTarget.open(withVmalloc, options);
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
}
