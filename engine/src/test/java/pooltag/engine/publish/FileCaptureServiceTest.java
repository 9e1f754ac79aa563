package pooltag.engine.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/** The Open view's service over the real parsers: a !poolused capture, a pooltag recording, and bad input. */
class FileCaptureServiceTest {
    final FileCaptureService service = new FileCaptureService();

    /** The Windows parser's own fixtures (Maven runs tests in the module's folder). */
    static byte[] resource(String name) throws Exception {
        return java.nio.file.Files.readAllBytes(java.nio.file.Path.of("../windows/src/test/resources" + name));
    }

    @Test
    void aPoolusedCaptureBecomesPoolTagRows() throws Exception {
        UsageSnapshot s = service.open("poolused-2.txt", resource("/windows/poolused-2.txt"));
        assertFalse(s.rows().isEmpty());
        assertTrue(s.rows().stream().allMatch(u -> u.kind() == TagKind.POOL), s.rows().toString());
    }

    @Test
    void aRecordingIsReplayedIntoTheLedgersCacheTags() throws Exception {
        // The engine's test recording (32 real pages); the cli module's tests run in cli/.
        byte[] rec = Files.readAllBytes(Path.of("../linux/src/test/resources/real-pages.ptrec"));
        UsageSnapshot s = service.open("real-pages.ptrec", rec);
        assertFalse(s.rows().isEmpty());
        // named by the upload, never by the private temporary copy the parsers read
        assertEquals("real-pages.ptrec", s.source());
        assertTrue(s.rows().stream().allMatch(u -> u.kind() == TagKind.CACHE && u.allocs() != TagUsage.UNKNOWN),
                s.rows().toString());
        assertTrue(s.rows().stream().mapToLong(TagUsage::allocs).sum() > 0);
    }

    @Test
    void unreadableInputIsOneLineNamingTheUpload() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> service.open("notes.txt", "hello\nworld\n".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("notes.txt"), e.getMessage());
        assertFalse(e.getMessage().contains("pooltag-upload-"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals("empty.log: the file is empty",
                assertThrows(PooltagException.class, () -> service.open("empty.log", new byte[0])).getMessage());
    }

    @Test
    void aPoolfindCaptureIsOneRowPerTagAndPoolOfTheAllocatedBlocks() throws Exception {
        UsageSnapshot s = service.open("poolfind-2.txt", resource("/windows/poolfind-2.txt"));
        TagUsage paged = s.rows().stream().filter(u -> u.pool() == pooltag.core.snapshot.Pool.PAGED).findFirst()
                .orElseThrow();
        assertEquals("SeSd", paged.tag());
        assertEquals(4, paged.live(), "the paged scan lists 4 allocated blocks (the rest were elided)");
        assertEquals(0xd0 + 0xd0 + 0xa0 + 0xa0, paged.bytes());
        assertTrue(s.loss().truncated(), "the scan was interrupted");
    }

    @Test
    void aVerifierCaptureIsOneRowPerTagWithItsCallers() throws Exception {
        UsageSnapshot s = service.open("verifier-2.txt", resource("/windows/verifier-2.txt"));
        TagUsage vprt = s.rows().stream().filter(u -> u.tag().equals("Vprt")).findFirst().orElseThrow();
        assertEquals(3, vprt.live());
        assertEquals(0x3c + 0x34 + 0x18, vprt.bytes());
        assertEquals("!verifier 3 (pool not shown): callers fffff88002c62963 (videoprt.sys) 112 B,"
                + " fffff88002c628f7 (videoprt.sys) 24 B", vprt.description());
    }
}
