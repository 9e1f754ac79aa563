package pooltag.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.ledger.LedgerOptions;
import pooltag.linux.recording.RecordingFormat;
import pooltag.linux.ring.Le;

/** The offline doors' replay of a recording: what it reads, and only what the door uses. */
public class RecordingReplayTest {
    @TempDir
    Path dir;

    /** The linux module's real recording (32 pages, no side blocks); Maven runs tests in the module's folder. */
    public static byte[] realPages() throws Exception {
        return Files.readAllBytes(Path.of("../linux/src/test/resources/real-pages.ptrec"));
    }

    /** {@code rec} with one more block inserted right after its last FORMAT block (the end of its preamble). */
    public static byte[] withBlock(byte[] rec, int kind, byte[] payload) {
        int at = RecordingFormat.FILE_HEADER_SIZE;
        int afterFormats = -1;
        while (at < rec.length) {
            int len = Le.i32(rec, at + 8);
            int next = at + RecordingFormat.BLOCK_HEADER_SIZE + len;
            if (Le.i32(rec, at) == RecordingFormat.FORMAT) {
                afterFormats = next;
            }
            at = next;
        }
        assertTrue(afterFormats > 0);
        byte[] h = new byte[RecordingFormat.BLOCK_HEADER_SIZE];
        CRC32 crc = new CRC32();
        crc.update(payload);
        Le.putI32(h, 0, kind);
        Le.putI32(h, 4, -1);
        Le.putI32(h, 8, payload.length);
        Le.putI32(h, 12, (int) crc.getValue());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(rec, 0, afterFormats);
        out.writeBytes(h);
        out.writeBytes(payload);
        out.write(rec, afterFormats, rec.length - afterFormats);
        return out.toByteArray();
    }

    @Test
    void aReplayWithoutSamplesNeverDecompressesThem() throws Exception {
        byte[] junk = new byte[64];
        Le.putI64(junk, 0, 5);
        junk[8] = 1; // not a gzip stream
        Path f = dir.resolve("bad-sample.ptrec");
        Files.write(f, withBlock(realPages(), RecordingFormat.SLABINFO_SAMPLE, junk));
        LedgerOptions o = LedgerOptions.defaults();
        RecordingReplay.Replayed r = RecordingReplay.of(f, o, false); // report, find --from: samples unused
        assertEquals(32, r.health().pages());
        assertTrue(r.samples().isEmpty());
        assertEquals(0, r.health().damagedBlocks(), "the sample was not decompressed, so not found bad");
        assertTrue(r.health().complete());
        // hunt --from decompresses it: a block whose CRC holds and whose gzip does not inflate is a damaged block
        RecordingReplay.Replayed h = RecordingReplay.withSamples(f, o, false);
        assertEquals(1, h.health().damagedBlocks());
        assertTrue(h.health().firstDamage().contains("SLABINFO_SAMPLE block does not decompress"),
                h.health().firstDamage());
        assertEquals(32, h.health().pages(), "every page after it");
        assertTrue(h.samples().isEmpty());
    }
}
