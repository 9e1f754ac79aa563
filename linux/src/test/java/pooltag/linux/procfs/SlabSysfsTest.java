package pooltag.linux.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlabSysfsTest {
    @TempDir
    Path tmp;

    /** reclaim_account read with one read call: the same answers as reading the whole value and trimming it. */
    @Test
    void reclaimFlagIsTheTrimmedValueOne() throws IOException {
        String longOne = " ".repeat(100) + "1\n"; // longer than one read: read whole
        String longTwo = "1" + " ".repeat(100) + "2\n";
        String pageLongOne = " ".repeat(4094) + "1\n"; // a whole page, as long as a sysfs attribute can be
        List<String> values = List.of("1\n", "1", " 1 \n", "0\n", "", "10\n", "11\n", longOne, longTwo,
                pageLongOne);
        for (int i = 0; i < values.size(); i++) {
            Path d = Files.createDirectories(tmp.resolve("cache" + i));
            Files.writeString(d.resolve("reclaim_account"), values.get(i));
        }
        Files.createDirectories(tmp.resolve("noflag"));
        // longer than any sysfs attribute: not a flag, and not read whole (a hostile tree's huge file)
        Path huge = Files.createDirectories(tmp.resolve("huge"));
        Files.writeString(huge.resolve("reclaim_account"), " ".repeat(4095) + "1\n");
        SlabSysfs s = SlabSysfs.read(tmp);
        for (int i = 0; i < values.size(); i++) {
            assertEquals(values.get(i).trim().equals("1"), s.reclaimable("cache" + i), "value '" + values.get(i) + "'");
        }
        assertEquals(false, s.reclaimable("noflag"));
        assertEquals(false, s.reclaimable("huge"));
    }

    /**
     * SLUB's layout: a mergeable cache's directory is named by its unique id (':A-0001152'), each name merged into it
     * is a link to it (relative, as the kernel makes them), a cache that cannot merge has a directory of its own
     * name. Names and directories come out the same whether the links are relative or absolute and whether the tree
     * itself is reached through a link.
     */
    @Test
    void mergedNamesAreTheLinksToTheirCachesDirectory() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path merged = Files.createDirectories(real.resolve(":A-0001152"));
        Files.writeString(merged.resolve("reclaim_account"), "0\n");
        Path own = Files.createDirectories(real.resolve("dentry"));
        Files.writeString(own.resolve("reclaim_account"), "1\n");
        Files.createSymbolicLink(real.resolve("signal_cache"), Path.of(":A-0001152"));
        Files.createSymbolicLink(real.resolve("UNIX"), merged.toAbsolutePath()); // absolute: the same directory
        Path through = Files.createSymbolicLink(tmp.resolve("slab"), real);
        for (Path root : List.of(real, through)) {
            SlabSysfs s = SlabSysfs.read(root);
            assertEquals(":A-0001152\t0\tUNIX signal_cache\ndentry\t1\tdentry\n", s.toText(), root.toString());
            assertEquals(List.of("UNIX"), s.aliases("signal_cache"));
            assertEquals(List.of(), s.aliases("dentry"));
            assertEquals(true, s.reclaimable("dentry"));
            assertEquals(null, s.dirOf(":A-0001152"), "an id is not a cache name");
        }
    }

    /** A tree that is not there is one error naming it, as NIO says it (ProcfsSource words it for the user). */
    @Test
    void aMissingTreeIsNoSuchFile() {
        Path gone = tmp.resolve("no-such-slab");
        java.nio.file.NoSuchFileException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.nio.file.NoSuchFileException.class, () -> SlabSysfs.read(gone));
        assertEquals(gone.toString(), e.getFile());
    }

    /**
     * Threads helping with one read each read flags the others have not claimed: whatever the interleaving, the view
     * is the one a single thread reads (every flag read once, none lost), here with 300 directories, three helpers
     * and the finishing thread.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
    void helpersShareTheFlagsAndTheViewIsTheSingleThreadedOne() throws Exception {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 300; i++) {
            Path d = Files.createDirectories(tmp.resolve(String.format(":A-%07d", i)));
            Files.writeString(d.resolve("reclaim_account"), random.nextInt(3) == 0 ? "1\n" : "0\n");
            Files.createSymbolicLink(tmp.resolve("cache" + i), Path.of(d.getFileName().toString()));
        }
        String single = SlabSysfs.read(tmp).toText();
        assertEquals(300, single.lines().count());
        for (int round = 0; round < 20; round++) {
            SlabSysfs.Reading reading = SlabSysfs.Reading.begin(tmp);
            List<Thread> helpers = new java.util.ArrayList<>();
            for (int h = 0; h < 3; h++) {
                Thread t = new Thread(reading::help);
                t.start();
                helpers.add(t);
            }
            assertEquals(single, reading.finish().toText(), "round " + round);
            for (Thread t : helpers) {
                t.join(10_000);
                assertEquals(false, t.isAlive(), "a helper still reading after the view was finished");
            }
        }
    }
}
