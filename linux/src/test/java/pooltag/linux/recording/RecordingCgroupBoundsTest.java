package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.Le;

/**
 * A long recording on a fork-heavy host logs more cgroup decisions than a reader keeps: the writer stops at the bound
 * and counts what it dropped (RUN), the reader keeps the bound's worth and counts the rest, and the file stays
 * readable, whether or not the replay tags by cgroup.
 */
class RecordingCgroupBoundsTest {
    static final int MAX = RecordingFormat.MAX_CGROUP_ENTRIES;

    @Test
    void theWriterStopsAtTheBoundAndSaysHowManyItDropped() {
        RecordingWriter w = new RecordingWriter(new ByteArrayOutputStream(), "mem", HeaderPage.DEFAULT_4K, false);
        CgroupLog log = new CgroupLog(w);
        for (int i = 0; i < MAX + 3; i++) {
            log.decided(i, i, "/p");
        }
        log.flush();
        assertEquals(MAX, log.entries());
        assertEquals(3, log.dropped());
    }

    /** A recording of {@code MAX + extra} CGROUPS entries (written as an older, unbounded writer did). */
    static byte[] overTheBound(int extra, long writerDropped) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (RecordingWriter w = new RecordingWriter(bo, "mem", HeaderPage.DEFAULT_4K, true)) {
            RecordingSideBlocksTest.preamble(w);
            w.writePage(RecordingSideBlocksTest.page(0, 100, 0xa0, 110));
            byte[] path = "/pods/a".getBytes(StandardCharsets.UTF_8);
            int size = RecordingFormat.CGROUP_ENTRY_HEADER + path.length;
            byte[] block = new byte[size * 4096];
            int left = MAX + extra;
            while (left > 0) {
                int n = Math.min(left, 4096);
                for (int i = 0; i < n; i++) {
                    int at = i * size;
                    Le.putI64(block, at, 100);
                    Le.putI32(block, at + 8, 1000 + i);
                    block[at + 12] = (byte) path.length;
                    block[at + 13] = 0;
                    System.arraycopy(path, 0, block, at + RecordingFormat.CGROUP_ENTRY_HEADER, path.length);
                }
                w.writeCgroups(block, n * size);
                left -= n;
            }
            if (writerDropped > 0) {
                w.writeFacts(RecordingFormat.RUN, Map.of(RecordingFormat.RUN_CGROUP_DECISIONS_DROPPED,
                        Long.toString(writerDropped)));
            }
            w.writeLongs(RecordingFormat.LOSS, 0, 0, 0);
            w.writeLongs(RecordingFormat.END, 500, 1, 1);
        }
        return bo.toByteArray();
    }

    @Test
    void theReaderKeepsTheBoundCountsTheRestAndTheReplayReportsBoth() {
        byte[] file = overTheBound(5, 7);
        long[] kept = new long[1];
        try (RecordingReader r = RecordingReader.open("mem", file)) {
            r.scanSide(new RecordingReader.SideData() {
                @Override
                public void cgroup(long nanos, int pid, String path) {
                    kept[0]++;
                }
            });
            assertEquals(MAX, kept[0]);
            assertEquals(5, r.cgroupEntriesDropped());
        }
        try (RecordingReader r = RecordingReader.open("mem", file)) {
            RecordedCgroups cg = new RecordedCgroups();
            r.side(cg);
            RecordingReader.Replay rp = r.replay(new RecordingRoundTripTest.Collect(), 1000);
            assertTrue(rp.complete());
            assertEquals(MAX, cg.decisions());
            assertEquals(7 + 5, rp.cgroupDecisionsDropped(), "the writer's 7 (RUN) and the reader's 5");
        }
    }

    @Test
    void aReplayThatDoesNotTagByCgroupKeepsNoneAndDropsNone() {
        byte[] file = overTheBound(5, 0);
        try (RecordingReader r = RecordingReader.open("mem", file)) {
            long[] kept = new long[1];
            r.side(new RecordingReader.SideData() {
                @Override
                public boolean wantsCgroups() {
                    return false;
                }

                @Override
                public void cgroup(long nanos, int pid, String path) {
                    kept[0]++;
                }
            });
            RecordingReader.Replay rp = r.replay(new RecordingRoundTripTest.Collect(), 1000);
            assertTrue(rp.complete());
            assertEquals(1, rp.pages());
            assertEquals(0, kept[0]);
            assertEquals(0, rp.cgroupDecisionsDropped());
        }
    }

    @Test
    void pathsPastTheBoundAreDroppedNotFatal() {
        RecordedCgroups cg = new RecordedCgroups();
        int n = RecordingFormat.MAX_CGROUP_PATHS + 10;
        for (int i = 0; i < n; i++) {
            cg.cgroup(i, i + 1, "/c" + i);
        }
        assertTrue(cg.dropped() >= 10, "at least the 10 past the bound: " + cg.dropped());
        assertEquals(n, cg.decisions() + cg.dropped());
        assertEquals("/c0", cg.path(cg.cgroupOf(new pooltag.linux.cgroup.PidCgroupResolverTest.Ev(1, 5, 0))));
        assertEquals(-1, cg.cgroupOf(new pooltag.linux.cgroup.PidCgroupResolverTest.Ev(n, n + 5, 0)),
                "a pid whose only decision was dropped is [unresolved]");
    }
}
