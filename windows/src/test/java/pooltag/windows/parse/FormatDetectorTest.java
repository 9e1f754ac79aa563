package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import pooltag.core.error.PooltagException;

class FormatDetectorTest {
    @ParameterizedTest
    @CsvSource({
            "poolused-2.txt, POOLUSED", "poolused-3.txt, POOLUSED", "poolmon-1.txt, POOLMON", "poolmon-3.txt, POOLMON",
            "poolfind-2.txt, POOLFIND", "kb-poolhittag-1.txt, POOLHITTAG", "poolhittag-docs-1.txt, POOLHITTAG",
            "verifier-2.txt, VERIFIER", "pooltag-excerpt-2.txt, POOLTAG_TXT"})
    void everyFixtureIsDetectedAsItsKind(String file, CaptureKind kind) {
        assertEquals(kind, FormatDetector.detect(Fixtures.text(file)));
    }

    @Test
    void linuxSlabinfoIsRejectedNamingItsLine() {
        PooltagException e = assertThrows(PooltagException.class, () -> FormatDetector.detect(CaptureText.of("slabinfo",
                """
                slabinfo - version: 2.1
                # name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
                dentry            187446 189567    192   21    1 : tunables    0    0    0 : slabdata   9027   9027      0
                """)));
        assertEquals("slabinfo:1: this is a Linux /proc/slabinfo, not Windows pool data;"
                + " pooltag reads Linux slab caches live (pooltag poolused)", e.getMessage());
    }

    @Test
    void binaryJunkIsRejectedNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("junk.bin");
        byte[] b = new byte[257];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        b[0] = 'M';
        b[1] = 'Z';
        b[2] = '\n';
        b[3] = 0;
        Files.write(junk, b);
        PooltagException e = assertThrows(PooltagException.class, () -> CaptureText.read(junk));
        assertEquals(junk + ":2: binary data (a NUL byte at offset 3), not a text capture of !poolused, PoolMon,"
                + " !poolfind, !verifier or pooltag.txt", e.getMessage());
    }

    @Test
    void proseIsRejectedQuotingItsFirstLine() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> FormatDetector.detect(CaptureText.of("notes.txt", "\nmeeting notes\nbuy milk\n")));
        assertTrue(e.getMessage().startsWith("notes.txt:2: not Windows pool data"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(first line: 'meeting notes')"), e.getMessage());
    }

    @Test
    void utf16CaptureWithByteOrderMarkIsRead(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("snap.log");
        String text = " Tag  Type     Allocs         Frees    Diff   Bytes    Per Alloc\r\n"
                + " EtwB Nonp       6394      4056      2338 163418368      69896\r\n";
        byte[] body = text.getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
        byte[] all = new byte[body.length + 2];
        all[0] = (byte) 0xff;
        all[1] = (byte) 0xfe;
        System.arraycopy(body, 0, all, 2, body.length);
        Files.write(f, all);
        CaptureText t = CaptureText.read(f);
        assertEquals(CaptureKind.POOLMON, FormatDetector.detect(t));
        assertEquals(163418368, PoolMonParser.parse(t).rows().get(0).bytes());
    }
}
