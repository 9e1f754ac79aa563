package pooltag.cli.live;

import java.nio.file.Files;
import java.nio.file.Path;

import pooltag.linux.tracefs.InstanceOwner;
import pooltag.linux.tracefs.Tracefs;

/**
 * Where live tests look for tracefs instances: the tracefs pooltag itself uses ({@link Tracefs#locate}: a tracefs
 * mount, or {@code tracing/} under a debugfs mount, mounted at {@code /sys/kernel/tracing} when neither is there),
 * never a fixed path. A test that looked only under {@code /sys/kernel/tracing} waited forever for an instance made
 * under {@code /sys/kernel/debug/tracing} (a machine where only debugfs's automount had tracefs), and its "nothing
 * left behind" checks passed without looking.
 */
public final class TracefsInstances {
    private TracefsInstances() {
    }

    /** The {@code instances} directory of the tracefs in use. */
    public static Path dir() {
        return Tracefs.locate().instancesDir();
    }

    /** This test JVM's instance ({@code pooltag-<pid>-<pidns>-<starttime>}), whether or not it exists. */
    public static Path mine() {
        return dir().resolve(InstanceOwner.current().instanceName());
    }

    /** Whether this test JVM still has its tracefs instance: none may outlive a test. */
    public static boolean ours() {
        return Files.isDirectory(mine());
    }
}
