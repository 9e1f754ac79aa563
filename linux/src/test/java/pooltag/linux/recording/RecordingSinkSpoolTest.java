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

    /**
     * The disk fills under the sample spool (room for two samples and half of the third): the recording goes on, the
     * two whole samples land in the file, the half one and every later one are counted as dropped, and the refusal is
     * kept as one line naming the spool file. Before: the first page's read-back threw, and the recording was lost.
     */
    @Test
    void aFullDiskUnderTheSampleSpoolKeepsTheSamplesWrittenAndCountsTheRest() throws Exception {
        Path f = dir.resolve("d.ptrec");
        Path spool = dir.resolve("d.ptrec.spool.samples");
        RecordingWriter wr = new RecordingWriter(f, HeaderPage.DEFAULT_4K);
        RecordingSink sink = RecordingSink.over(f, wr);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            texts.add("slabinfo - version: 2.1\n# sample " + i + " " + "x".repeat(200 * i) + "\n");
        }
        long room = 4 + RecordingWriter.samplePayload(10, texts.get(0)).length
                + 4 + RecordingWriter.samplePayload(20, texts.get(1)).length
                + (4 + RecordingWriter.samplePayload(30, texts.get(2)).length) / 2;
        sink.deferSamples(spool, out -> new java.io.FilterOutputStream(out) {
            long left = room;

            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                int n = (int) Math.min(left, len);
                out.write(b, off, n); // what fits is written, as write(2) does before ENOSPC
                left -= n;
                if (n < len) {
                    throw new java.io.IOException("No space left on device");
                }
            }
        });
        for (int i = 0; i < 4; i++) {
            sink.offerSample(10 + 10L * i, texts.get(i)); // buffered: the disk is met at the flush
        }
        Page p = new Page(4096);
        p.length = 4096;
        p.readNanos = 50;
        sink.onPage(p); // flushes the spool and reads it back: two samples, then the cut
        sink.offerSample(60, texts.get(4)); // after the refusal: dropped at once
        sink.offerSample(70, texts.get(5));
        sink.writeSpooledSamples();
        assertEquals(2, sink.samplesWritten(), "the two whole samples are in the file");
        assertEquals(4, sink.samplesDropped(), "the cut one, the one after it and the two offered later");
        assertEquals("writing " + spool + ": No space left on device", sink.sampleSpoolFailure());
        sink.close();
        assertFalse(Files.exists(spool));
        byte[] b = Files.readAllBytes(f);
        List<Long> sampleNanos = new ArrayList<>();
        for (int at = RecordingFormat.FILE_HEADER_SIZE; at < b.length; ) {
            if (Le.i32(b, at) == RecordingFormat.SLABINFO_SAMPLE) {
                sampleNanos.add(Le.i64(b, at + RecordingFormat.BLOCK_HEADER_SIZE));
            }
            at += RecordingFormat.BLOCK_HEADER_SIZE + Le.i32(b, at + 8);
        }
        assertEquals(List.of(10L, 20L), sampleNanos, "the samples kept, whole, in the file");
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
