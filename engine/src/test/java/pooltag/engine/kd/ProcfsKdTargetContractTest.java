package pooltag.engine.kd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The procfs-only target kd falls back to when tracing cannot start: the contract's non-tracing half, on the running
 * kernel's procfs. The traced live target has its own contract test ({@link LiveKdTargetContractTest}).
 */
class ProcfsKdTargetContractTest extends KdTargetContract {
    @Override
    KdTarget newTarget() {
        assumeTrue(Files.isReadable(Path.of("/proc/slabinfo")), "procfs contract skipped: /proc/slabinfo not readable");
        return new ProcfsKdTarget(Path.of("/"), false, "test: tracing off");
    }

    @Override
    String armableTag() {
        return "dentry";
    }

    @Override
    boolean tracing() {
        return false;
    }
}
