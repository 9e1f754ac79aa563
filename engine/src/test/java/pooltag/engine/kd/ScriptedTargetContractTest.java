package pooltag.engine.kd;

import java.util.List;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.UsageSnapshot;

/** The scripted test target keeps the contract the console relies on (so console tests mean something). */
class ScriptedTargetContractTest extends KdTargetContract {
    @Override
    KdTarget newTarget() {
        ScriptedTarget t = new ScriptedTarget();
        t.waitWhenNoHits = true;
        t.usage = new UsageSnapshot(0, "empty", List.of(), Loss.NONE);
        return t;
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
