package pooltag.engine.kd;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import pooltag.engine.testkit.Live;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.recording.Recorder;

/** A recording target keeps the contract: over a short recording of this machine, made with dentry stacks. */
class RecordingKdTargetContractTest extends KdTargetContract {
    @TempDir
    static Path dir;
    static Path recording;

    @BeforeAll
    static void record() {
        Live.tracefsOrSkip();
        recording = dir.resolve("contract.ptrec");
        Recorder.record(recording, TraceConfig.kmem().withBufferSizeKb(4096), Duration.ofSeconds(2), "dentry",
                (base, tag, slabinfo, sysfs, symbols) ->
                        pooltag.engine.hit.HitTarget.resolve(tag, slabinfo, sysfs, symbols).config(base),
                System.err);
    }

    @Override
    KdTarget newTarget() {
        return KdTargets.recording(recording);
    }

    @Override
    String armableTag() {
        return "dentry";
    }

    @Override
    boolean tracing() {
        return true;
    }
}
