package pooltag.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.UsageSnapshot;

class WindowsCapturesTest {
    private static Path fixture(String name) {
        return Path.of(System.getProperty("user.dir"), "src/test/resources/windows", name);
    }

    @Test
    void readSnapshotReadsPoolUsed() {
        UsageSnapshot s = WindowsCaptures.readSnapshot(fixture("poolused-3.txt"));
        assertEquals(40, s.rows().size());
    }

    @Test
    void readSnapshotReadsPoolMon() {
        UsageSnapshot s = WindowsCaptures.readSnapshot(fixture("poolmon-1.txt"));
        assertEquals(13, s.rows().size());
    }

    @Test
    void readSnapshotRejectsAPoolFindCapture() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> WindowsCaptures.readSnapshot(fixture("poolfind-2.txt")));
        assertEquals(fixture("poolfind-2.txt") + ": is a !poolfind capture, not a usage snapshot:"
                + " give a !poolused or PoolMon capture", e.getMessage());
    }

    @Test
    void missingFileIsOneLineError() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> WindowsCaptures.readSnapshot(fixture("nope.txt")));
        assertEquals(fixture("nope.txt") + ": no such file", e.getMessage());
    }
}
