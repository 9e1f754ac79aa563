package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.Page;
import pooltag.linux.kmem.SlabCacheCatalog;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.ring.Le;
import pooltag.linux.symbols.KernelSymbolResolver;
import pooltag.linux.testutil.Formats;

/**
 * The blocks an offline hunt needs (SLAB_SYSFS, SLABINFO_SAMPLE, CGROUPS, RUN): written by the writer, read back by
 * both passes (scanSide and replay) with the values written, charged by {@link RecordedCgroups} as the recording
 * run decided, bounded, and absent from an older file without harm.
 */
class RecordingSideBlocksTest {
    @TempDir
    Path dir;

    static final String SLABINFO_1 = "slabinfo - version: 2.1\n# name <active_objs> <num_objs> <objsize> <objperslab>"
            + " <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs>"
            + " <sharedavail>\nkmalloc-192 100 120 192 21 1 : tunables 0 0 0 : slabdata 5 5 0\n"
            + "dentry 50 60 192 21 1 : tunables 0 0 0 : slabdata 3 3 0\n";
    static final String SLABINFO_2 = SLABINFO_1.replace("kmalloc-192 100", "kmalloc-192 140");
    static final String SYSFS = ":0000192\t0\tkmalloc-192 pid\ndentry\t1\tdentry\n";

    static Page page(int cpu, long ts, long ptr, long read) {
        return RecordingRoundTripTest.page(cpu, ts, ptr, read);
    }

    /** META, HEADER_PAGE and the FORMAT blocks of one CPU's recording. */
    static void preamble(RecordingWriter w) {
        w.writeMeta(Map.of("cpus", "1", "start_mono_ns", "10"));
        w.writeText(RecordingFormat.HEADER_PAGE, -1, Formats.resource("header_page"));
        for (Map.Entry<String, String> e : Formats.formatTexts().entrySet()) {
            w.writeText(RecordingFormat.FORMAT, -1, e.getKey() + "\n" + e.getValue());
        }
    }

    Path write(boolean side) {
        Path f = dir.resolve(side ? "side.ptrec" : "plain.ptrec");
        try (RecordingWriter w = new RecordingWriter(f, pooltag.linux.ring.HeaderPage.DEFAULT_4K, true)) {
            preamble(w);
            w.writeGzip(RecordingFormat.KALLSYMS_GZ, "ffffffff816e53c0 T alloc_pipe_info\nffffffff816e55f0 T x\n");
            w.writeText(RecordingFormat.MODULES, -1, "");
            w.writeText(RecordingFormat.SLABINFO_START, -1, SLABINFO_1);
            if (side) {
                w.writeText(RecordingFormat.SLAB_SYSFS, -1, SYSFS);
                w.writeSample(90, SLABINFO_1);
            }
            CgroupLog log = new CgroupLog(w);
            w.writePage(page(0, 100, 0xa0, 110));
            if (side) {
                log.decided(100, 42, "/pods/a");
                log.flush();
            }
            w.writePage(page(0, 200, 0xb0, 210));
            if (side) {
                log.decided(250, 42, "/pods/b"); // the task moved: events from 250 on go to /pods/b
                log.flush();
                w.writeSample(260, SLABINFO_2);
            }
            w.writePage(page(0, 300, 0xc0, 310));
            if (side) {
                Map<String, String> run = new LinkedHashMap<>();
                run.put("duration_ns", "400");
                run.put("armed", "alloc_pipe_info@0.5");
                w.writeFacts(RecordingFormat.RUN, run);
            }
            w.writeLongs(RecordingFormat.LOSS, 0, 0, 0);
            w.writeLongs(RecordingFormat.END, 500, 3, 3);
        }
        return f;
    }

    /** Everything scanSide hands over, as text. */
    static final class Seen implements RecordingReader.SideData {
        final List<String> samples = new ArrayList<>();
        final List<String> cgroups = new ArrayList<>();
        final Map<String, String> run = new LinkedHashMap<>();

        @Override
        public void sample(long nanos, String slabinfo, String where) {
            samples.add(nanos + ":" + slabinfo.length() + ":" + slabinfo.contains("kmalloc-192 140"));
        }

        @Override
        public void cgroup(long nanos, int pid, String path) {
            cgroups.add(nanos + ":" + pid + ":" + path);
        }

        @Override
        public void run(Map<String, String> facts) {
            run.putAll(facts);
        }
    }

    @Test
    void theFirstPassReadsWhatTheHuntNeedsWithoutDecodingAPage() {
        Path f = write(true);
        Seen seen = new Seen();
        try (RecordingReader r = RecordingReader.open(f)) {
            assertTrue(r.hasSlabSysfs());
            SlabSysfs sysfs = r.slabSysfs();
            assertTrue(sysfs.reclaimable("dentry"));
            assertFalse(sysfs.reclaimable("kmalloc-192"));
            assertEquals(List.of("pid"), sysfs.aliases("kmalloc-192"));
            r.scanSide(seen);
            assertEquals(2, r.samples());
            assertEquals(2, r.cgroupEntries());
        }
        assertEquals(List.of("90:" + SLABINFO_1.length() + ":false", "260:" + SLABINFO_2.length() + ":true"),
                seen.samples);
        assertEquals(List.of("100:42:/pods/a", "250:42:/pods/b"), seen.cgroups);
        assertEquals(Map.of("duration_ns", "400", "armed", "alloc_pipe_info@0.5"), seen.run);
    }

    @Test
    void theReplayChargesEachEventToThePidsDecisionAtItsTime() {
        Path f = write(true);
        RecordedCgroups cg = new RecordedCgroups();
        try (RecordingReader first = RecordingReader.open(f)) {
            first.scanSide(cg);
        }
        assertEquals(2, cg.decisions());
        try (RecordingReader r = RecordingReader.open(f)) {
            Ledger ledger = new Ledger(new SlabCacheCatalog(r.names(), r.slabSysfs()),
                    new KernelSymbolResolver(r.symbols()), 64);
            ledger.tagByCgroup(cg);
            RecordingReader.Replay rp = r.replay(ledger, 1000);
            assertTrue(rp.complete());
            assertEquals(0, rp.unknownBlocks(), "the side blocks are known kinds, not unknown ones");
            int a = ledger.tagId(TagKind.CGROUP, "/pods/a");
            int b = ledger.tagId(TagKind.CGROUP, "/pods/b");
            assertEquals(2, ledger.usage(TagKind.CGROUP, a, Pool.NONPAGED).allocs(), "ts 100 and 200");
            assertEquals(1, ledger.usage(TagKind.CGROUP, b, Pool.NONPAGED).allocs(), "ts 300, after the move at 250");
            assertEquals("/pods/b", ledger.tagName(TagKind.CGROUP, ledger.cgroupAt(0xc0)));
        }
    }

    @Test
    void aRecordingWithoutThemReadsAsBefore() {
        Path f = write(false);
        Seen seen = new Seen();
        try (RecordingReader r = RecordingReader.open(f)) {
            assertFalse(r.hasSlabSysfs());
            assertFalse(r.slabSysfs().reclaimable("dentry"), "absent: every cache NonPaged, as before");
            r.scanSide(seen);
        }
        assertEquals(List.of(), seen.samples);
        assertEquals(List.of(), seen.cgroups);
        RecordedCgroups cg = new RecordedCgroups();
        assertEquals(0, cg.decisions());
        try (RecordingReader r = RecordingReader.open(f)) {
            RecordingRoundTripTest.Collect c = new RecordingRoundTripTest.Collect();
            assertEquals(3, r.replay(c, 1000).pages());
            assertEquals(3, c.events.size());
        }
    }

    @Test
    void aPidNeverDecidedIsUnresolvedAndInterruptsAreTheirOwnRows() {
        RecordedCgroups cg = new RecordedCgroups();
        cg.cgroup(100, 7, "/pods/a");
        assertEquals(-1, cg.cgroupOf(new pooltag.linux.cgroup.PidCgroupResolverTest.Ev(8, 150, 0)), "never decided: not guessed");
        assertEquals("/pods/a", cg.path(cg.cgroupOf(new pooltag.linux.cgroup.PidCgroupResolverTest.Ev(7, 50, 0))), "before its first decision: that decision");
        assertEquals("[softirq]", cg.path(cg.cgroupOf(new pooltag.linux.cgroup.PidCgroupResolverTest.Ev(7, 150, pooltag.core.event.AllocEvent.CONTEXT_SOFTIRQ))));
        assertEquals("[kernel thread]", cg.path(cg.cgroupOf(new pooltag.linux.cgroup.PidCgroupResolverTest.Ev(0, 150, 0))));
    }

    /**
     * A CGROUPS entry whose path runs past its block, under a valid CRC: the block is damaged (counted, named with its
     * offset), none of its entries is kept, and the blocks after it (END) are read; the first pass reads on too.
     * Before, both passes stopped at it with an error.
     */
    @Test
    void aCgroupEntryWhosePathRunsPastItsBlockIsADamagedBlockNamedByItsOffset() throws Exception {
        Path f = dir.resolve("bad.ptrec");
        long[] at = new long[1];
        try (RecordingWriter w = new RecordingWriter(f, pooltag.linux.ring.HeaderPage.DEFAULT_4K, true)) {
            preamble(w);
            w.writePage(page(0, 100, 0xa0, 110));
            byte[] entry = new byte[RecordingFormat.CGROUP_ENTRY_HEADER + 3];
            Le.putI64(entry, 0, 100);
            Le.putI32(entry, 8, 42);
            entry[12] = 9; // claims 9 path bytes, holds 3
            entry[14] = '/';
            w.writeCgroups(entry, entry.length);
            w.writeLongs(RecordingFormat.END, 500, 1, 1);
        }
        byte[] all = java.nio.file.Files.readAllBytes(f);
        for (int o = RecordingFormat.FILE_HEADER_SIZE; o < all.length; o += 16 + Le.i32(all, o + 8)) {
            if (Le.i32(all, o) == RecordingFormat.CGROUPS) {
                at[0] = o; // the block's own offset, as every block error names it
            }
        }
        assertTrue(at[0] > 0);
        Seen seen = new Seen();
        try (RecordingReader r = RecordingReader.open(f)) {
            r.scanSide(seen);
        }
        assertEquals(List.of(), seen.cgroups, "nothing of a damaged block is kept");
        try (RecordingReader r = RecordingReader.open(f)) {
            RecordingRoundTripTest.Collect c = new RecordingRoundTripTest.Collect();
            RecordingReader.Replay rp = r.side(seen).replay(c, 0);
            assertEquals(1, c.events.size(), "the page before it");
            assertEquals(1, rp.damagedBlocks());
            assertEquals("CGROUPS block at byte " + at[0] + " does not decode, though its CRC-32 holds: CGROUPS"
                    + " block: entry at 0 has a path of 9 bytes (1..4096, inside the block)", rp.firstDamage());
            assertEquals(null, rp.cutShortReason(), "the END block after it was read");
            assertFalse(rp.complete());
        }
    }

    @Test
    void sysfsTextRoundTrips() {
        SlabSysfs s = SlabSysfs.parse(SYSFS);
        assertEquals(SYSFS, s.toText());
        assertThrows(IllegalArgumentException.class, () -> SlabSysfs.parse("dentry\t2\tdentry\n"));
    }
}
