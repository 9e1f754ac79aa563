package pooltag.cli.kd;

import java.nio.file.Path;

import pooltag.core.error.PooltagException;

/** The targets {@code pooltag kd} can open; the one place that chooses an implementation. */
public final class KdTargets {
    private KdTargets() {
    }

    /**
     * The running kernel. TODO(engine): return the tracing target (live tracefs event engine + ledger) once the
     * engine is merged; today the procfs-only target, whose tracing commands say they are not available.
     */
    public static KdTarget live(boolean withVmalloc) {
        return new ProcfsKdTarget(Path.of("/"), withVmalloc);
    }

    /**
     * A recording, where {@code g} moves to the next hit. TODO(engine): open it with the recording reader that
     * comes with the engine; until then, one clear error rather than a target that pretends.
     */
    public static KdTarget recording(Path file) {
        throw new PooltagException("--recording " + file + ": recordings cannot be read by this build yet (the"
                + " recording reader comes with the tracing engine); run pooltag kd without --recording for the"
                + " live kernel");
    }
}
