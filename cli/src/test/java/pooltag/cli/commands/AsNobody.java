package pooltag.cli.commands;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the real application as user nobody (uid 65534, no groups) through {@code setpriv}: how an unprivileged user
 * meets pooltag. The test JVM's class path lives under /root (mode 0700), so it is copied where nobody can read it.
 * Root only (setpriv to another user); skips, saying why, without setpriv.
 */
final class AsNobody {
    private AsNobody() {
    }

    /** A finished run: exit status, standard output and standard error. */
    record Run(int exit, String out, String err) {
        /** The first line of standard error that starts "pooltag:", or all of it when none does. */
        String firstPooltagLine() {
            return err.lines().filter(l -> l.startsWith("pooltag:")).findFirst().orElse(err);
        }
    }

    /** Runs {@code pooltag args} as nobody with stdin closed; {@code tmp} takes the class path's copy. */
    static Run run(Path tmp, String... args) throws Exception {
        assumeTrue(new File("/usr/bin/setpriv").canExecute(), "setpriv (util-linux) missing");
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = worldReadableCopy(System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), tmp);
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", java, "-cp", classPath, "pooltag.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(50, TimeUnit.SECONDS), "pooltag " + String.join(" ", args) + " as nobody ran 50 s");
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes()),
                new String(p.getErrorStream().readAllBytes()));
    }

    /** Whether nobody may enter {@code dir}: its mode and its ancestors' give others execute permission. */
    static boolean canEnter(Path dir) throws java.io.IOException {
        for (Path d = dir; d != null; d = d.getParent()) {
            if (!Files.getPosixFilePermissions(d).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    private static String worldReadableCopy(String classPath, Path dir) throws java.io.IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> rx =
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        Files.setPosixFilePermissions(dir, rx);
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : classPath.split(File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = dir.resolve("cp" + (i++) + (Files.isDirectory(src) ? "" : ".jar"));
            if (Files.isDirectory(src)) {
                try (var walk = Files.walk(src)) {
                    for (Path p : walk.toList()) {
                        Path t = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(t);
                            Files.setPosixFilePermissions(t, rx);
                        } else {
                            Files.copy(p, t);
                        }
                    }
                }
            } else {
                Files.copy(src, dst);
            }
            out.add(dst.toString());
        }
        return String.join(File.pathSeparator, out);
    }
}
