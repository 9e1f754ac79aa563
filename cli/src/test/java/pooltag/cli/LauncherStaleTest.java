package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's staleness check ({@code stale} in {@code ./pooltag}, run by bash over a scratch tree): the jar is
 * rebuilt when a POM, a main source or resource (hidden ones too) or a folder under src/main is newer than it, and
 * not for tests or target/.
 */
class LauncherStaleTest {
    private static final String[] MODULES = {"core", "linux", "windows", "engine", "buildtools", "cli"};

    @Test
    void staleExactlyWhenAMainInputIsNewerThanTheJar(@TempDir Path here) throws Exception {
        for (String m : MODULES) {
            Files.createDirectories(here.resolve(m + "/src/main/java/a/b"));
            Files.createDirectories(here.resolve(m + "/src/main/resources"));
            Files.createDirectories(here.resolve(m + "/src/test"));
            Files.writeString(here.resolve(m + "/pom.xml"), "");
            Files.writeString(here.resolve(m + "/src/main/java/a/b/X.java"), "");
            Files.writeString(here.resolve(m + "/src/main/resources/.hidden"), "");
        }
        Files.writeString(here.resolve("pom.xml"), "");
        Path jar = here.resolve("cli/target/pooltag.jar");
        Files.createDirectories(jar.getParent());

        assertTrue(stale(here), "no jar");
        Files.writeString(jar, "");
        settle(here, jar);
        assertEquals(false, stale(here), "fresh");
        touch(here.resolve("engine/src/main/java/a/b/X.java"));
        assertTrue(stale(here), "source edited");
        settle(here, jar);
        Files.writeString(here.resolve("engine/src/test/T.java"), "");
        touch(here.resolve("cli/target/classes"));
        assertEquals(false, stale(here), "a test and target/ do not count");
        settle(here, jar);
        touch(here.resolve("linux/pom.xml"));
        assertTrue(stale(here), "module POM");
        settle(here, jar);
        touch(here.resolve("pom.xml"));
        assertTrue(stale(here), "root POM");
        settle(here, jar);
        Files.delete(here.resolve("core/src/main/java/a/b/X.java"));
        touch(here.resolve("core/src/main/java/a/b"));
        assertTrue(stale(here), "source removed (its folder changed)");
        settle(here, jar);
        touch(here.resolve("windows/src/main/resources/.hidden"));
        assertTrue(stale(here), "hidden resource");
    }

    /** Every file an hour old, the jar half an hour old. */
    private static void settle(Path here, Path jar) throws IOException {
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        try (Stream<Path> s = Files.walk(here)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, old);
            }
        }
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 1_800_000));
    }

    private static void touch(Path p) throws IOException {
        if (!Files.exists(p)) {
            Files.createDirectories(p);
        }
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
    }

    /** Runs the launcher's own stale function with {@code here} as the checkout. */
    private static boolean stale(Path here) throws Exception {
        String launcher = Files.readString(Path.of("..", "pooltag"), StandardCharsets.UTF_8);
        int from = launcher.indexOf("\nstale() {\n");
        int to = launcher.indexOf("\n}\n", from);
        assertTrue(from >= 0 && to > from, "stale() not found in ./pooltag");
        String script = "set -euo pipefail\nhere=\"$1\"\njar=\"$here/cli/target/pooltag.jar\"\n"
                + launcher.substring(from + 1, to + 3) + "if stale; then echo stale; else echo fresh; fi\n";
        Process p = new ProcessBuilder(List.of("bash", "-c", script, "bash", here.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.equals("stale") || out.equals("fresh"), out);
        return out.equals("stale");
    }
}
