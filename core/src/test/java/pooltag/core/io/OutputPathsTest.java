package pooltag.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.error.PooltagException;

/** {@link OutputPaths}: what it refuses before any work, in one line, and what it leaves on disk (nothing). */
class OutputPathsTest {
    @TempDir
    Path dir;

    @Test
    void aNewFileInAWritableDirectoryPassesAndTheProbeLeavesNothing() {
        Path f = dir.resolve("out.svg");
        OutputPaths.refuseUnwritable("--chart", f, OutputPaths.Existing.REPLACED);
        OutputPaths.refuseUnwritable("--collapsed", f, OutputPaths.Existing.REFUSED);
        assertFalse(Files.exists(f), "the create probe removes what it made");
    }

    @Test
    void procTakesNoNewFileThoughAccessSaysRootMayWrite() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> OutputPaths.refuseUnwritable("--output", Path.of("/proc/pooltag-probe"),
                        OutputPaths.Existing.REFUSED));
        // root passes access(2) and only the create says no; another user is told by access(2) first
        assertEquals("root".equals(System.getProperty("user.name"))
                ? "--output /proc/pooltag-probe: no such file (cannot create it)"
                : "--output /proc/pooltag-probe: permission denied (cannot create files in /proc)", e.getMessage());
    }

    /**
     * A chart (replaced, links followed) through a link to a file not made yet: the target is what is checked, and
     * it is creatable here (it was refused as "permission denied"); a link into a missing directory is refused for
     * that; a loop of links ends.
     */
    @Test
    void aChartThroughALinkToAFileNotMadeYetIsCheckedAtItsTarget() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("d.svg"), dir.resolve("t.svg"));
        OutputPaths.refuseUnwritable("--chart", link, OutputPaths.Existing.REPLACED);
        assertFalse(Files.exists(dir.resolve("t.svg")));
        Path missing = Files.createSymbolicLink(dir.resolve("m.svg"), dir.resolve("nodir/t.svg"));
        PooltagException e = assertThrows(PooltagException.class,
                () -> OutputPaths.refuseUnwritable("--chart", missing, OutputPaths.Existing.REPLACED));
        assertEquals("--chart " + dir.resolve("nodir/t.svg") + ": no such file or directory (" + dir.resolve("nodir")
                + " does not exist)", e.getMessage());
        Files.createSymbolicLink(dir.resolve("a.svg"), dir.resolve("b.svg"));
        Path loop = Files.createSymbolicLink(dir.resolve("b.svg"), dir.resolve("a.svg"));
        e = assertThrows(PooltagException.class,
                () -> OutputPaths.refuseUnwritable("--chart", loop, OutputPaths.Existing.REPLACED));
        assertEquals(true, e.getMessage().endsWith("too many levels of symbolic links"), e.getMessage());
        // refused, never followed: a file created new is never made through a link
        e = assertThrows(PooltagException.class,
                () -> OutputPaths.refuseUnwritable("--collapsed", link, OutputPaths.Existing.REFUSED));
        assertEquals("--collapsed " + link + ": is a symbolic link; pooltag creates a new file and overwrites nothing",
                e.getMessage());
    }
}
