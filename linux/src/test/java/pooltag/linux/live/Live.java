package pooltag.linux.live;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import pooltag.linux.tracefs.Tracefs;

/** Gate for live kernel tests: skips only when the facility is missing, and prints why. */
public final class Live {
    private Live() {
    }

    public static Tracefs tracefsOrSkip() {
        if ("false".equals(System.getProperty("pooltag.live"))) {
            skip("-Dpooltag.live=false");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            skip("not root: tracefs instances need root");
        }
        try {
            return Tracefs.locate();
        } catch (RuntimeException e) {
            skip("no tracefs: " + e.getMessage());
            return null;
        }
    }

    private static void skip(String why) {
        System.err.println("LIVE TEST SKIPPED: " + why);
        assumeTrue(false, why);
    }

    /**
     * Instances this test process made that are still present (tests assert none is left behind). Other pooltag
     * processes on the machine have their own {@code pooltag-<pid>-<pidns>-<starttime>} instances: those are not ours to judge.
     */
    public static List<String> ourInstances(Tracefs fs) throws Exception {
        String mine = pooltag.linux.tracefs.InstanceOwner.current().instanceName();
        try (Stream<Path> s = Files.list(fs.instancesDir())) {
            return s.map(p -> p.getFileName().toString()).filter(mine::equals).toList();
        }
    }

    /** Global enable state of an event in the top-level instance (must stay untouched). */
    public static String topLevelEnable(Tracefs fs, String key) throws Exception {
        return Files.readString(fs.root().resolve("events").resolve(key).resolve("enable")).trim();
    }
}
