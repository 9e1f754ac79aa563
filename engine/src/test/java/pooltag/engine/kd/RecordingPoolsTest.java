package pooltag.engine.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.ledger.LedgerOptions;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.core.tag.TagPattern;
import pooltag.engine.publish.FileCaptureService;
import pooltag.engine.run.RecordingReplay;
import pooltag.engine.run.RecordingReplayTest;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.recording.RecordingFormat;

/**
 * One policy for a recording's pools: report (RecordingReplay), kd and the web Open view (FileCaptureService) put
 * the same caches in the same pools, from the file's SLAB_SYSFS block.
 */
class RecordingPoolsTest {
    @TempDir
    Path dir;

    static final String HEADER = "slabinfo - version: 2.1\n# name <active_objs> <num_objs> <objsize> <objperslab>"
            + " <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs>"
            + " <sharedavail>\n";

    static String line(String name) {
        return name + " 100 120 192 21 1 : tunables 0 0 0 : slabdata 5 5 0\n";
    }

    /** "tag/POOL" of every cache row with blocks outstanding. */
    static Set<String> outstanding(UsageSnapshot s) {
        Set<String> out = new TreeSet<>();
        for (TagUsage u : s.rows()) {
            if (u.kind() == TagKind.CACHE && u.live() > 0) {
                out.add(u.tag() + "/" + u.pool());
            }
        }
        return out;
    }

    @Test
    void reportKdAndTheOpenViewSplitTheSameRecordingAlike() throws Exception {
        byte[] plain = RecordingReplayTest.realPages();
        FileCaptureService open = new FileCaptureService();
        // the named cache (kmalloc's pool comes from its GFP flags) with the most blocks outstanding becomes
        // reclaimable in the file's SLAB_SYSFS block
        String paged = open.open("plain.ptrec", plain).rows().stream()
                .filter(u -> u.live() > 0 && !u.tag().startsWith("kmalloc"))
                .max(Comparator.comparingLong(TagUsage::live)).orElseThrow().tag();
        byte[] rec = RecordingReplayTest.withBlock(plain, RecordingFormat.SLAB_SYSFS,
                (paged + "\t1\t" + paged + "\n").getBytes(StandardCharsets.UTF_8));
        rec = RecordingReplayTest.withBlock(rec, RecordingFormat.SLABINFO_START,
                (HEADER + line(paged) + line("zz_never")).getBytes(StandardCharsets.UTF_8));
        Path f = dir.resolve("sysfs.ptrec");
        Files.write(f, rec);
        LedgerOptions o = KmemTagPolicy.ledgerOptions();

        Set<String> viaOpen = outstanding(open.open("sysfs.ptrec", rec));
        pooltag.core.ledger.Ledger ledger = RecordingReplay.of(f, o, false).ledger();
        ledger.publish(Long.MAX_VALUE);
        Set<String> viaReport = outstanding(ledger.snapshot(TagKind.CACHE));
        assertTrue(viaReport.contains(paged + "/" + Pool.PAGED), viaReport.toString());
        assertTrue(viaReport.stream().anyMatch(t -> t.endsWith("/" + Pool.NONPAGED)), viaReport.toString());
        assertEquals(viaReport, viaOpen, "the web Open view");

        Set<String> viaKd = new TreeSet<>();
        try (KdTarget kd = KdTargets.recording(f, o)) {
            for (TagUsage u : kd.usage().rows()) {
                if (u.tag().equals(paged)) {
                    assertEquals(Pool.PAGED, u.pool(), "!poolused: the slabinfo rows in the same pools");
                }
            }
            kd.armHit("zz_never"); // never allocated: g replays to the end of the file
            assertFalse(kd.go(() -> false).isPresent());
            for (Pool pool : Pool.values()) {
                for (KdTarget.Allocation a : kd.poolfind(TagPattern.any(), pool).allocations()) {
                    viaKd.add(a.tag() + "/" + a.pool());
                }
            }
        }
        assertEquals(viaReport, viaKd, "kd's !poolfind after the whole replay");
    }
}
