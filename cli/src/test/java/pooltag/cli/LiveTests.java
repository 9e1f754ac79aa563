package pooltag.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Live tests run unless -Dpooltag.live=false, and need root for /proc/slabinfo; each skip says why. */
public final class LiveTests {
    private LiveTests() {
    }

    public static void assumeLive() {
        assumeTrue(!"false".equals(System.getProperty("pooltag.live")), "live tests disabled by -Dpooltag.live=false");
        assumeTrue(Files.isReadable(Path.of("/proc/slabinfo")), "/proc/slabinfo is not readable: live tests need root");
    }
}
