package pooltag.engine.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Files;

import org.junit.jupiter.api.AfterEach;

import pooltag.engine.testkit.Live;
import pooltag.linux.tracefs.Tracefs;

/** The traced live target keeps the contract, and every target leaves no instance and no trigger behind. */
class LiveKdTargetContractTest extends KdTargetContract {
    private Tracefs fs;

    @Override
    KdTarget newTarget() {
        fs = Live.tracefsOrSkip();
        return assertInstanceOf(LiveKdTarget.class, KdTargets.live(false), "root with tracefs: the traced target");
    }

    @Override
    String armableTag() {
        return "dentry";
    }

    @Override
    boolean tracing() {
        return true;
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        if (fs != null) {
            assertFalse(Files.exists(Live.ownInstance(fs)), "instance left behind");
            assertEquals(java.util.List.of(), Live.kmemTriggers(Live.ownInstance(fs)));
        }
    }
}
