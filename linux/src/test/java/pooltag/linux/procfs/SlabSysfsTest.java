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

    private static Path cacheDir(Path root, String dir, int objectSize, int slabSize, int reclaim) throws IOException {
        Path d = Files.createDirectories(root.resolve(dir));
        Files.writeString(d.resolve("object_size"), objectSize + "\n");
        Files.writeString(d.resolve("slab_size"), slabSize + "\n");
        Files.writeString(d.resolve("reclaim_account"), reclaim + "\n");
        return d;
    }

    /**
     * Before 6.2 kmem_cache_alloc carries the cache's object and slot sizes, not its name. The directories and sizes
     * are Debian 12's 6.1.176 (seen live, src/test/resources/blackbox/SOURCES.md): 632/640 is inode_cache's alone;
     * 192/192 is dentry's, proc_dir_entry's and kmalloc-192's (a kmalloc cache's objects arrive as kmalloc events,
     * so it is left out); 256/256 is filp's (SLAB_ACCOUNT, merged under ':A-0000256'), maple_node's (':0000256') and
     * so an event's accounting tells them apart. A merged directory's name is the one slabinfo lists.
     */
    @Test
    void sizesNameTheCachesOfEventsThatCarryNoName() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("slab"));
        cacheDir(real, "inode_cache", 632, 640, 1);
        cacheDir(real, "dentry", 192, 192, 1);
        cacheDir(real, "proc_dir_entry", 192, 192, 0);
        cacheDir(real, "kmalloc-192", 192, 192, 0);
        cacheDir(real, ":A-0000256", 256, 256, 0);
        cacheDir(real, ":0000256", 256, 256, 0);
        Files.createSymbolicLink(real.resolve("filp"), Path.of(":A-0000256"));
        Files.createSymbolicLink(real.resolve("io_kiocb"), Path.of(":A-0000256"));
        Files.createSymbolicLink(real.resolve("maple_node"), Path.of(":0000256"));
        Files.createSymbolicLink(real.resolve("key_jar"), Path.of(":0000256"));
        Path slabinfo = Files.writeString(tmp.resolve("slabinfo"), "slabinfo - version: 2.1\n"
                + "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables\n"
                + "filp                 153    208    256   16    1 : tunables    0    0    0 : slabdata     13     13      0\n"
                + "maple_node            64     64    256   16    1 : tunables    0    0    0 : slabdata      4      4      0\n"
                + "inode_cache         10104  10150   640   25    4 : tunables    0    0    0 : slabdata    406    406      0\n");
        SlabSysfs s = SlabSysfs.read(real).withSizes(real, SlabSysfs.slabinfoNames(slabinfo));
        // fields: dir, reclaim_account, names, object_size, slab_size, the name slabinfo lists (empty: unknown)
        String text = ":0000256\t0\tkey_jar maple_node\t256\t256\tmaple_node\n"
                + ":A-0000256\t0\tfilp io_kiocb\t256\t256\tfilp\n"
                + "dentry\t1\tdentry\t192\t192\t\n"
                + "inode_cache\t1\tinode_cache\t632\t640\tinode_cache\n"
                + "kmalloc-192\t0\tkmalloc-192\t192\t192\t\n"
                + "proc_dir_entry\t0\tproc_dir_entry\t192\t192\t\n";
        assertEquals(text, s.toText());
        SlabSysfs back = SlabSysfs.parse(text);
        assertEquals(text, back.toText(), "a recording's SLAB_SYSFS block reads back the same");
        for (SlabSysfs v : List.of(s, back)) {
            assertEquals(List.of("inode_cache"), kernelNames(v.cachesOfSizes(632, 640, -1)));
            assertEquals(List.of("dentry", "proc_dir_entry"), kernelNames(v.cachesOfSizes(192, 192, 1)));
            assertEquals(List.of("filp"), kernelNames(v.cachesOfSizes(256, 256, 1)), "SLAB_ACCOUNT: ':A-' only");
            assertEquals(List.of("maple_node"), kernelNames(v.cachesOfSizes(256, 256, 0)));
            assertEquals(List.of("maple_node", "filp"), kernelNames(v.cachesOfSizes(256, 256, -1)));
            assertEquals(List.of(), v.cachesOfSizes(632, 632, -1));
            assertEquals(List.of(), v.cachesOfSizes(0, 0, -1));
        }
        // without slabinfo a merged directory of several names has no known name; a directory of its own name has
        SlabSysfs.CacheDir merged = SlabSysfs.read(real).withSizes(real, java.util.Set.of()).dirOf("filp");
        assertEquals(null, merged.kernelName());
        assertEquals("dentry", SlabSysfs.read(real).dirOf("dentry").kernelName());
        // a recording made before the sizes were kept: three fields, nothing named by size
        assertEquals(List.of(), SlabSysfs.parse("dentry\t1\tdentry\n").cachesOfSizes(192, 192, -1));
    }

    /**
     * SLUB's unique ids put every flag letter between ':' and '-' (d DMA, D DMA32, a reclaim, F debug, A accounted):
     * only 'A' says SLAB_ACCOUNT, wherever it stands; an id of no flags has no dash (':0000096'): not accounted.
     */
    @Test
    void theAccountingOfAMergedDirectoryIsTheAInItsId() {
        SlabSysfs s = SlabSysfs.parse(":dA-0000096\t0\tdma_acct\t96\t96\t\n"
                + ":d-0000096\t0\tdma_plain\t96\t96\t\n"
                + ":aA-0000096\t1\trcl_acct\t96\t96\t\n"
                + ":0000096\t0\tnodash\t96\t96\t\n");
        assertEquals(List.of("rcl_acct", "dma_acct"), kernelNames(s.cachesOfSizes(96, 96, 1)), "sorted by id");
        assertEquals(List.of("nodash", "dma_plain"), kernelNames(s.cachesOfSizes(96, 96, 0)));
        assertEquals(4, s.cachesOfSizes(96, 96, -1).size());
        assertEquals(List.of(), s.cachesOfSizes(96L << 32, 96, -1), "sizes beyond 2^31 - 1 match nothing");
    }

    private static List<String> kernelNames(List<SlabSysfs.CacheDir> dirs) {
        return dirs.stream().map(SlabSysfs.CacheDir::kernelName).toList();
    }

    /** A SLAB_SYSFS line that is not the three or six fields is refused, naming the line and what is wrong. */
    @Test
    void aBadSizedLineIsRefusedWithItsLineNumber() {
        String ok = "dentry\t1\tdentry\t192\t192\t\n";
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> SlabSysfs.parse(ok));
        for (String[] bad : new String[][]{
                {"dentry\t1\tdentry\t192\n", "line 2 is not 'dir TAB 0|1 TAB names [TAB object_size TAB slab_size TAB primary]'"},
                {"dentry\t1\tdentry\t-1\t192\t\n", "line 2: size '-1' is not a byte count"},
                {"dentry\t1\tdentry\t192\t99999999999\t\n", "line 2: size '99999999999' is not a byte count"},
                {"dentry\t1\tdentry\t192\t192\tfilp\n", "line 2: primary name 'filp' is not one of the directory's names"}}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SlabSysfs.parse(ok + bad[0]));
            assertEquals(bad[1], e.getMessage());
        }
    }
}
