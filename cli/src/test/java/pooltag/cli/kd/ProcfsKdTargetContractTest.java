package pooltag.cli.kd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The live procfs-only target: the contract's non-tracing half, on the running kernel (needs root for slabinfo). */
class ProcfsKdTargetContractTest extends KdTargetContract {
    @Override
    KdTarget newTarget() {
        assumeTrue(Files.isReadable(Path.of("/proc/slabinfo")), "live target contract skipped: /proc/slabinfo not readable");
        return KdTargets.live(false);
    }

    @Override
    String armableTag() {
        return "dentry";
    }

    /** TODO(engine): true once KdTargets.live returns the tracing target. */
    @Override
    boolean tracing() {
        return false;
    }
}
