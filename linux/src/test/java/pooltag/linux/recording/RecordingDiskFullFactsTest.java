package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.linux.ring.HeaderPage;

/**
 * A recording a full disk stopped says so to whoever reads it: the refusal and the pages dropped (RUN), shown without
 * the control bytes a hostile file could put there, and their events in the loss the replay reports.
 */
class RecordingDiskFullFactsTest {
    private static byte[] recording(Map<String, String> run, long lost) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (RecordingWriter w = new RecordingWriter(bo, "mem", HeaderPage.DEFAULT_4K, true)) {
            RecordingSideBlocksTest.preamble(w);
            w.writePage(RecordingSideBlocksTest.page(0, 100, 0xa0, 110));
            if (!run.isEmpty()) {
                w.writeFacts(RecordingFormat.RUN, run);
            }
            w.writeLongs(RecordingFormat.LOSS, lost, 0, 0);
            w.writeLongs(RecordingFormat.END, 500, 1, 1);
        }
        return bo.toByteArray();
    }

    @Test
    void theRefusalAndThePagesDroppedAreReadAndTheirEventsAreLost() {
        Map<String, String> run = new LinkedHashMap<>();
        run.put(RecordingFormat.RUN_DISK_FULL, "writing /x/r.ptrec.spool.cpu1: No space left on device\u001b[2J");
        run.put(RecordingFormat.RUN_DISK_FULL_PAGES_DROPPED, "3");
        try (RecordingReader r = RecordingReader.open("mem", recording(run, 40))) {
            RecordingRoundTripTest.Collect c = new RecordingRoundTripTest.Collect();
            RecordingReader.Replay rp = r.replay(c, 1000);
            assertTrue(rp.complete(), "a whole file, only shorter than asked");
            assertEquals("writing /x/r.ptrec.spool.cpu1: No space left on device?[2J", rp.diskFull(),
                    "no control byte reaches a terminal");
            assertEquals(3, rp.diskFullPagesDropped());
            assertEquals(40, rp.lostTotal());
            assertEquals(40, c.lost, "the ledger is told");
        }
    }

    @Test
    void aRecordingThatNeverMetAFullDiskSaysNothing() {
        try (RecordingReader r = RecordingReader.open("mem", recording(Map.of(), 0))) {
            RecordingReader.Replay rp = r.replay(new RecordingRoundTripTest.Collect(), 1000);
            assertNull(rp.diskFull());
            assertEquals(0, rp.diskFullPagesDropped());
        }
    }
}
