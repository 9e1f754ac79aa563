package pooltag.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.error.PooltagException;
import pooltag.core.io.PrivateFiles.SudoCaller;

class PrivateFilesTest {
    @Test
    void sudoCallerOnlyForRootWithBothVariables() {
        Map<String, String> sudo = Map.of("SUDO_UID", "1000", "SUDO_GID", "1001");
        assertEquals(Optional.of(new SudoCaller(1000, 1001)), SudoCaller.of(sudo, 0));
        assertEquals(Optional.empty(), SudoCaller.of(sudo, 1000), "not root: the file is already the user's");
        assertEquals(Optional.empty(), SudoCaller.of(Map.of("SUDO_UID", "1000"), 0), "no SUDO_GID");
        assertEquals(Optional.empty(), SudoCaller.of(Map.of(), 0), "plain root");
        assertEquals(Optional.empty(), SudoCaller.of(Map.of("SUDO_UID", "0", "SUDO_GID", "0"), 0), "root via sudo");
        assertEquals(Optional.empty(), SudoCaller.of(Map.of("SUDO_UID", "x", "SUDO_GID", "1"), 0), "garbage");
    }

    @Test
    void rootUnderSudoHandsTheNewFileToTheCaller(@TempDir Path dir) throws IOException {
        assumeTrue(isRoot(), "chown needs root");
        Path f = dir.resolve("rec.ptrec");
        Optional<SudoCaller> caller = SudoCaller.of(Map.of("SUDO_UID", "4242", "SUDO_GID", "4343"), 0);
        try (FileChannel ch = PrivateFiles.createChannel(f, caller)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
        }
        assertEquals(4242, Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(4343, Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(0600, ((Integer) Files.getAttribute(f, "unix:mode")) & 0777, "still owner-only");
    }

    @Test
    void anExistingFileIsNeitherOverwrittenNorGivenAway(@TempDir Path dir) throws IOException {
        assumeTrue(isRoot(), "chown needs root");
        Path f = Files.writeString(dir.resolve("existing"), "keep");
        Optional<SudoCaller> caller = Optional.of(new SudoCaller(4242, 4343));
        assertThrows(PooltagException.class, () -> PrivateFiles.createChannel(f, caller));
        assertEquals(0, Files.getAttribute(f, "unix:uid"));
        assertEquals("keep", Files.readString(f));
        Path link = Files.createSymbolicLink(dir.resolve("link"), f);
        assertThrows(PooltagException.class, () -> PrivateFiles.createChannel(link, caller));
        assertEquals(0, Files.getAttribute(f, "unix:uid"));
        assertTrue(Files.isSymbolicLink(link));
    }

    private static boolean isRoot() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    }
}
