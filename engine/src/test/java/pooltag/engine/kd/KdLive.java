package pooltag.engine.kd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import pooltag.linux.tracefs.KernelFiles;
import pooltag.linux.tracefs.Tracefs;

/** Gate and probes for kd's live tests: skip only when tracing is impossible here, and say why. */
public final class KdLive {
    private KdLive() {
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
