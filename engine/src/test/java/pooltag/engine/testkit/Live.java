package pooltag.engine.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import pooltag.linux.tracefs.KernelFiles;
import pooltag.linux.tracefs.Tracefs;

/**
 * The one live-test gate of engine and cli: a live test runs unless {@code -Dpooltag.live=false}, and otherwise
 * skips only when the kernel or the user lacks what it needs, saying why on standard error and in the skip reason.
 * Also the probes live tests share (this JVM's tracefs instance and its triggers).
 */
public final class Live {
    private Live() {
    }

    /** Skips unless live tests are enabled and {@code /proc/slabinfo} is readable (root). */
    public static void assumeLive() {
        String why = null;
        if ("false".equals(System.getProperty("pooltag.live"))) {
            why = "live tests disabled by -Dpooltag.live=false";
        } else if (!Files.isReadable(Path.of("/proc/slabinfo"))) {
            why = "/proc/slabinfo is not readable: live tests need root";
        }
        if (why != null) {
            System.err.println("LIVE TEST SKIPPED: " + why);
            assumeTrue(false, why);
        }
    }

    public static Tracefs tracefsOrSkip() {
        String why = null;
        if ("false".equals(System.getProperty("pooltag.live"))) {
            why = "-Dpooltag.live=false";
        } else if (!"root".equals(System.getProperty("user.name"))) {
            why = "not root: tracefs instances need root";
        }
        if (why == null) {
            try {
                return Tracefs.locate();
            } catch (RuntimeException e) {
                why = "no tracefs: " + e.getMessage();
            }
        }
        System.err.println("LIVE TEST SKIPPED: " + why);
        assumeTrue(false, why);
        return null;
    }

    /** This JVM's instance directory ({@link pooltag.linux.tracefs.InstanceOwner#instanceName()}), whether or not it exists. */
    public static Path ownInstance(Tracefs fs) {
        return fs.instancesDir().resolve(pooltag.linux.tracefs.InstanceOwner.current().instanceName());
    }

    /** Every trigger line of the instance's kmem events, as {@code event: line} (comment lines left out). */
    public static List<String> kmemTriggers(Path instance) throws IOException {
        List<String> out = new ArrayList<>();
        Path kmem = instance.resolve("events/kmem");
        if (!Files.isDirectory(kmem)) {
            return out;
        }
        try (Stream<Path> events = Files.list(kmem)) {
            for (Path ev : events.sorted().toList()) {
                Path trigger = ev.resolve("trigger");
                if (!Files.isRegularFile(trigger)) {
                    continue;
                }
                for (String line : KernelFiles.read(trigger).split("\n")) {
                    String t = line.strip();
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        out.add(ev.getFileName() + ": " + t);
                    }
                }
            }
        }
        return out;
    }
}
