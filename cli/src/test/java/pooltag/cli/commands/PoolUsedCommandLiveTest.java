package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void unprivilegedUserGetsOneClearLineAndExitTwo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        assumeTrue(root());
        // /proc/slabinfo is 0400 root
        AsNobody.Run r = AsNobody.run(tmp, "poolused");
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals("pooltag: cannot read /proc/slabinfo: permission denied (the kernel lets only root read it);"
                + " run pooltag as root, e.g. sudo ./pooltag ...", r.firstPooltagLine());
    }

    /**
     * Tracing as another user: the mount is there but the user may not enter it (debugfs is mode 700, tracefs under
     * it too): said as that, not as "not a tracefs mount", which sent the user looking for another mount.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tracingAsAnUnprivilegedUserSaysPermissionNotAMissingMount(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        assumeTrue(root());
        String tracefs = null;
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("tracefs")) {
                tracefs = f[1];
                break;
            }
        }
        AsNobody.Run r = AsNobody.run(tmp, "hunt", "--duration", "1");
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        String line = r.firstPooltagLine();
        assertFalse(line.contains("not a tracefs mount"), line);
        boolean enterable = tracefs != null && AsNobody.canEnter(Path.of(tracefs));
        if (tracefs != null && !enterable) {
            assertEquals("pooltag: cannot reach " + tracefs + "/instances: permission denied (the kernel lets only"
                    + " root trace); run pooltag as root, e.g. sudo ./pooltag ...", line);
        } else {
            // not mounted (mounting needs root) or open to all: whatever stops the user names root
            assertTrue(line.contains("root"), line);
        }
    }
}
