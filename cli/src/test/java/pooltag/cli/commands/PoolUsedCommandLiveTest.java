package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.engine.testkit.Live;
import pooltag.cli.render.Json;

/** pooltag poolused against the running kernel (root), and as an unprivileged user. */
class PoolUsedCommandLiveTest {
    /** The live gate ({@link Live#assumeLive}): skips, saying why, unless live tests run here. */
    static boolean root() {
        Live.assumeLive();
        return true;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void jsonListsRealCachesAndVmallocCallersSortedByPagedUse() throws Exception {
        assumeTrue(root());
        CliRun r = CliRun.of("poolused", "4", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals("paged", j.get("sort").asText());
        boolean dentry = false;
        boolean vmalloc = false;
        long prevPaged = Long.MAX_VALUE;
        for (JsonNode t : j.get("tags")) {
            dentry |= t.get("tag").asText().equals("dentry") && t.get("pool").asText().equals("Paged");
            vmalloc |= t.get("kind").asText().equals("vmalloc");
            if (t.get("pool").asText().equals("Paged")) {
                assertTrue(t.get("used_bytes").asLong() <= prevPaged, "sorted by paged bytes, descending");
                prevPaged = t.get("used_bytes").asLong();
            }
        }
        assertTrue(dentry, "dentry is a reclaimable cache on every Linux kernel");
        assertTrue(vmalloc, "vmalloc callers are listed");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void wildcardTableShowsOnlyMatchingTags() {
        assumeTrue(root());
        CliRun r = CliRun.of("poolused", "2", "kmalloc-?k");
        assertEquals(0, r.exit(), r.err());
        List<String> rows = r.out().lines().filter(l -> l.startsWith(" kmalloc")).toList();
        assertTrue(!rows.isEmpty());
        for (String row : rows) {
            assertTrue(row.matches(" kmalloc-\\dk .*"), row);
        }
        assertTrue(r.out().startsWith(" Sorting by NonPaged Pool Consumed\n"));
    }

    @Test
    void badFlagsExitTwoWithOneLine() {
        CliRun r = CliRun.of("poolused", "8");
        assertEquals(2, r.exit());
        assertEquals("pooltag: Flags 0x8 (session pool) is not on Linux: the kernel has no session pool; drop 0x8 to"
                + " see the standard pools\n", r.err());
        CliRun both = CliRun.of("poolused", "6");
        assertEquals(2, both.exit());
    }

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

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

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void unprivilegedUserGetsOneClearLineAndExitTwo() throws Exception {
        assumeTrue(root());
        assumeTrue(new File("/usr/bin/setpriv").canExecute(), "setpriv (util-linux) missing");
        // Run the real application as user 'nobody' (uid 65534): /proc/slabinfo is 0400 root.
        // The class path lives under /root (mode 0700): copy it where 'nobody' can read it.
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = worldReadableCopy(System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), tmp);
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", java, "-cp", classPath, "pooltag.cli.Main", "poolused"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(50, TimeUnit.SECONDS));
        String err = new String(p.getErrorStream().readAllBytes());
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(2, p.exitValue(), err);
        assertEquals("", out);
        assertEquals("pooltag: cannot read /proc/slabinfo: permission denied (the kernel lets only root read it);"
                + " run pooltag as root, e.g. sudo ./pooltag ...\n", err.lines()
                .filter(l -> l.startsWith("pooltag:")).findFirst().orElse(err) + "\n");
    }
}
