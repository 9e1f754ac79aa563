package pooltag.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child pooltag JVM for tests that stop it with signals. The child gets SIGINT and SIGTERM at their defaults
 * whatever this test JVM inherited: a test run started as a background job of a script (bash without job control)
 * has SIGINT ignored, a JVM keeps an inherited ignored SIGINT ignored, and a test that sends SIGINT would then test
 * the harness, not pooltag. {@code ProcessBuilder} cannot reset a disposition and a shell cannot reset one ignored at
 * its entry, so python3 (which the CI installs) resets both and execs the JVM: the pid stays the JVM's.
 */
public final class ChildCommand {
    private static final String RESET = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL);"
            + " signal.signal(signal.SIGTERM, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])";

    private ChildCommand() {
    }

    /** {@code java -cp <test class path> pooltag.cli.Main args...}, with default SIGINT and SIGTERM. */
    public static List<String> pooltag(String... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", RESET,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
