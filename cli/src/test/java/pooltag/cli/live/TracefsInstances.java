package pooltag.cli.live;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this test JVM still has its tracefs instance ({@code pooltag-<pid>-<pidns>-<starttime>}): none may outlive a test. */
public final class TracefsInstances {
    private TracefsInstances() {
    }

    public static boolean ours() {
        String name = pooltag.linux.tracefs.InstanceOwner.current().instanceName();
        for (Path root : new Path[] {Path.of("/sys/kernel/tracing/instances"),
                Path.of("/sys/kernel/debug/tracing/instances")}) {
            if (Files.isDirectory(root.resolve(name))) {
                return true;
            }
        }
        return false;
    }
}
