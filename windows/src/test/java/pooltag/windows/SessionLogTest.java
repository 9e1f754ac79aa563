package pooltag.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.windows.parse.CaptureKind;
import pooltag.windows.parse.CaptureText;
import pooltag.windows.parse.FormatDetector;
import pooltag.windows.parse.HitEvent;
import pooltag.windows.parse.PoolFindResult;
import pooltag.windows.parse.Transcript;

/** One kd session log holding the whole workflow: each reader takes its own part of it. */
class SessionLogTest {
    private static final Path SESSION = Path.of(System.getProperty("user.dir"),
            "src/test/resources/windows/kd-session-written.txt");

    @Test
    void sessionHoldsThreeKindsInOrderOfAppearance() {
        assertEquals(List.of(CaptureKind.POOLUSED, CaptureKind.POOLHITTAG, CaptureKind.POOLFIND),
                List.copyOf(FormatDetector.kinds(CaptureText.read(SESSION))));
    }

    @Test
    void snapshotIsThePoolUsedTable() {
        UsageSnapshot s = WindowsCaptures.readSnapshot(SESSION);
        assertEquals(6, s.rows().size());
        TagUsage abc = s.rows().get(0);
        assertEquals("Abc", abc.tag());
        assertEquals(Pool.PAGED, abc.pool());
        assertEquals(36405, abc.live());
        assertEquals(33930272, abc.bytes());
        assertEquals(0, s.loss().skippedRecords());
    }

    @Test
    void transcriptIsTheBreakWithTheAddressTheAllocatorReturned() {
        Transcript t = WindowsCaptures.readTranscript(SESSION);
        assertEquals(1, t.events().size());
        HitEvent a = t.events().get(0);
        assertEquals(0xe1003a90L, a.address());
        assertEquals(0x3a9, a.bytes());
        assertEquals("Abc", a.tag());
        assertEquals(List.of("nt!ExAllocatePoolWithTag+0x881", "Abc!AbcCacheEntry+0x27"), a.frames());
    }

    @Test
    void poolFindReadsTheScanNotThePoolCommandOutput() {
        PoolFindResult r = WindowsCaptures.readPoolFind(SESSION);
        assertEquals(3, r.blocks().size());
        assertEquals(2, r.live().size());
        assertEquals(2 * 0x3b8, r.liveBytes());
        assertEquals("Abc", r.blocks().get(0).tag());
    }
}
