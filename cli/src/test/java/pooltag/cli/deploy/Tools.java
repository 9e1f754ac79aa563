package pooltag.cli.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External programs the deploy tests need; missing ones fail the build with the install line (CI installs them). */
public final class Tools {
    private Tools() {
    }

    /** The repository's deploy/ folder (tests run with the module folder, cli/, as working directory). */
    public static Path deployDir() {
        Path p = Path.of("..", "deploy").toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            fail("no deploy/ folder at " + p);
        }
        return p;
    }

    /** /usr/bin/NAME, or fails saying which Debian package provides it. */
    public static Path require(String name, String debianPackage) {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        fail(name + " not found: install it with 'apt-get install -y " + debianPackage + "' (.ci/run does)");
        return null;
    }

    /** Exit code and merged output of a command that must finish within {@code seconds}. */
    public record Result(int exitCode, String output) {
    }

    public static Result run(Path workDir, long seconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                fail(String.join(" ", command) + " did not finish within " + seconds + " s");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }
}
