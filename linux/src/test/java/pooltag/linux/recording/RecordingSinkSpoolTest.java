package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.linux.kmem.Page;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.Le;

/**
 * A spooled {@code record} hands its pages to the sink only after tracing stopped: the slabinfo samples taken
 * meanwhile are kept in a private spool file and each lands just before the first page read after it, as a live sink
 * writes them, the rest at the end; the spool file goes away.
 */
class RecordingSinkSpoolTest {
    @TempDir
    Path dir;

    @Test
    void samplesTakenWhileTracingLandBetweenThePagesReadAroundThem() throws Exception {
        Path f = dir.resolve("s.ptrec");
        Path spool = dir.resolve("s.ptrec.spool.samples");
        RecordingWriter wr = new RecordingWriter(f, HeaderPage.DEFAULT_4K);
        RecordingSink sink = RecordingSink.over(f, wr);
        sink.deferSamples(spool);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spool)));
        for (long t = 10; t <= 40; t += 10) {
            sink.offerSample(t, "slabinfo - version: 2.1\n# at " + t + "\n");
        }
        for (long t = 5; t <= 25; t += 10) {
            Page p = new Page(4096);
            p.length = 4096;
            p.readNanos = t;
            sink.onPage(p); // an empty page (commit 0): trimmed to its header
        }
        sink.writeSpooledSamples();
        assertEquals(4, sink.samplesWritten());
        assertEquals(0, sink.samplesDropped());
        sink.close();
        assertFalse(Files.exists(spool), "the sample spool is deleted");

        int page = wr.compressed() ? RecordingFormat.PAGES_ZSTD : RecordingFormat.PAGE;
        int sample = RecordingFormat.SLABINFO_SAMPLE;
        byte[] b = Files.readAllBytes(f);
        List<Integer> kinds = new ArrayList<>();
        List<Long> sampleNanos = new ArrayList<>();
        for (int at = RecordingFormat.FILE_HEADER_SIZE; at < b.length; ) {
            int kind = Le.i32(b, at);
            int len = Le.i32(b, at + 8);
            kinds.add(kind);
            if (kind == sample) {
                sampleNanos.add(Le.i64(b, at + RecordingFormat.BLOCK_HEADER_SIZE));
            }
            at += RecordingFormat.BLOCK_HEADER_SIZE + len;
        }
        assertEquals(List.of(page, sample, page, sample, page, sample, sample), kinds,
                "pages read at 5, 15, 25 and samples taken at 10, 20, 30, 40, in time order");
        assertEquals(List.of(10L, 20L, 30L, 40L), sampleNanos);
    }

    @Test
    void closingWithoutFinishingDeletesTheSampleSpool() {
        Path f = dir.resolve("t.ptrec");
        Path spool = dir.resolve("t.ptrec.spool.samples");
        RecordingSink sink = RecordingSink.over(f, new RecordingWriter(f, HeaderPage.DEFAULT_4K));
        sink.deferSamples(spool);
        sink.offerSample(1, "slabinfo - version: 2.1\n");
        sink.close();
        assertFalse(Files.exists(spool));
        assertTrue(Files.exists(f), "the recording itself stays (cut short)");
    }
}
