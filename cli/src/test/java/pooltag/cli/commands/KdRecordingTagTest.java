package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kd --recording} on real-pages.ptrec, which holds no {@code /proc/slabinfo}: a cache is known by the events
 * that name it (filp: 59 allocations, names_cache: 175, as {@code report} lists them), typed as the WinDbg page
 * types a tag: a double-quoted Linux tag, or a character constant written backwards ({@code ' cbA'} is Abc).
 */
class KdRecordingTagTest {
    static final String REAL = ReportCommandTest.REAL;

    @Test
    void aCacheNamedOnlyByTheRecordingsEventsArmsAndBreaks() {
        for (String typed : new String[] {"\"filp\"", "'plif'", "\"names_cache\""}) {
            CliRun r = CliRun.of("kd", "--recording", REAL, "-c", "ed nt!poolhittag " + typed + "; g");
            assertFalse(r.out().contains("no Linux tag is named"), typed + ":\n" + r.out());
            assertTrue(r.out().contains("Break instruction exception"), typed + ":\n" + r.out());
            String cache = typed.replace("\"", "").equals("'plif'") ? "filp" : typed.replace("\"", "");
            assertTrue(r.out().contains(": tag " + cache + ","), typed + ":\n" + r.out());
        }
    }

    @Test
    void theBannerSaysARecordingIsCutShortAsReportDoes(@TempDir Path dir) throws Exception {
        Path cut = dir.resolve("cut.ptrec");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(Path.of(REAL)), 80_000));
        CliRun kd = CliRun.of("kd", "--recording", cut.toString(), "-c", "g");
        assertTrue(kd.err().contains("recording " + cut + ": CUT SHORT ("), kd.err());
        CliRun whole = CliRun.of("kd", "--recording", REAL, "-c", "g");
        assertTrue(whole.err().contains("recording " + REAL + ": complete;"), whole.err());
    }
}
