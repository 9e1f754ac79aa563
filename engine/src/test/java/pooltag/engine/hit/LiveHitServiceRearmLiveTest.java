package pooltag.engine.hit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.error.PooltagException;
import pooltag.engine.testkit.Live;

/** Arming a tag that names nothing is refused and leaves the armed tag tracing (the web page's Hit view re-arms). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LiveHitServiceRearmLiveTest {
    @Test
    void aRejectedArmLeavesTheArmedTagTracing() throws Exception {
        Live.assumeLive();
        try (LiveHitService hit = new LiveHitService()) {
            assertEquals("filp", hit.arm("filp").armedTag());
            PooltagException e = assertThrows(PooltagException.class, () -> hit.arm("no_such_tag_zzz"));
            assertTrue(e.getMessage().startsWith("hit tag 'no_such_tag_zzz'"), e.getMessage());
            // the old code closed the armed session before resolving the new tag: armed_tag was null here
            assertEquals("filp", hit.status().armedTag());
            long before = hit.status().hits();
            for (int i = 0; i < 50; i++) {
                try (var in = new java.io.FileInputStream("/proc/self/stat")) {
                    in.read();
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hit.status().hits() == before && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(hit.status().hits() > before, "the armed tag still breaks after the rejected arm");
            assertEquals("", hit.status().note(), "filp is a cache of its own");
        }
    }

    /** The web page's Hit view says what a merged cache name armed (UNIX is merged on this 6.18 VM). */
    @Test
    void armingAMergedCacheNameSaysWhichCacheIsArmed() throws Exception {
        Live.assumeLive();
        java.nio.file.Path unix = java.nio.file.Path.of("/sys/kernel/slab/UNIX");
        boolean merged = java.nio.file.Files.isSymbolicLink(unix) && java.nio.file.Files.readAllLines(
                java.nio.file.Path.of("/proc/slabinfo")).stream().noneMatch(l -> l.startsWith("UNIX "));
        try (LiveHitService hit = new LiveHitService()) {
            String note = hit.arm("UNIX").note();
            if (merged) {
                assertTrue(note.startsWith("UNIX: merged by SLUB into "), note);
            } else {
                System.out.println("LiveHitServiceRearmLiveTest: UNIX is a cache of its own here; no note expected");
                assertEquals("", note);
            }
        }
    }
}
