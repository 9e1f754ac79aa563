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

    /** /dev/zero (no size to check, no end) is refused at its first byte, not read until memory runs out. */
    @Test
    void anEndlessDeviceIsRefusedAtItsHead() {
        PooltagException e = assertThrows(PooltagException.class, () -> WindowsCaptures.readSnapshot(Path.of("/dev/zero")));
        assertEquals("/dev/zero:1: binary data (a NUL byte at offset 0), not a text capture of !poolused, PoolMon,"
                + " !poolfind, !verifier or pooltag.txt", e.getMessage());
    }

    /** A line over 1 MiB is refused; the same bytes in lines ended by a lone CR (old Mac) are lines, and read. */
    @Test
    void aLineOverOneMibIsRefusedAndCarriageReturnsEndLines(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String row = " Leak Nonp 5 0 5 640 128\r";
        StringBuilder crOnly = new StringBuilder(" Tag  Type  Allocs  Frees  Diff  Bytes  Per Alloc\r");
        while (crOnly.length() < (3 << 19)) {
            crOnly.append(row);
        }
        Path cr = java.nio.file.Files.writeString(dir.resolve("cr.txt"), crOnly);
        assertEquals(640, WindowsCaptures.readSnapshot(cr).rows().get(0).bytes());
        Path oneLine = java.nio.file.Files.writeString(dir.resolve("long.txt"), crOnly.toString().replace('\r', ' '));
        PooltagException e = assertThrows(PooltagException.class, () -> WindowsCaptures.readSnapshot(oneLine));
        assertEquals(oneLine + ":1: a line longer than 1 MiB, not a text capture of !poolused, PoolMon, !poolfind,"
                + " !verifier or pooltag.txt", e.getMessage());
    }
}
