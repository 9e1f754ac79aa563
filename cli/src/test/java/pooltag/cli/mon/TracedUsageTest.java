package pooltag.cli.mon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jline.terminal.Size;
import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.PoolMonModel;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.engine.publish.TracedUsage;
import pooltag.linux.procfs.Meminfo;

/** mon --trace's rows: procfs Diff and Bytes, the ledger's Allocs and Frees, '-' only where nothing is traced. */
class TracedUsageTest {
    static final UsageSnapshot PROCFS = new UsageSnapshot(5, "/proc/slabinfo", List.of(
            new TagUsage("kmalloc-cg-192", TagKind.CACHE, Pool.NONPAGED, -1, -1, 546, 104_832, ""),
            new TagUsage("dentry", TagKind.CACHE, Pool.PAGED, -1, -1, 9_973, 1_914_816, ""),
            new TagUsage("maple_node", TagKind.CACHE, Pool.NONPAGED, -1, -1, 653, 167_168, ""),
            new TagUsage("vmalloc:alloc_large_system_hash", TagKind.VMALLOC, Pool.NONPAGED, -1, -1, 3, 12_288, "")),
            Loss.NONE);
    static final UsageSnapshot LEDGER = new UsageSnapshot(7, "ledger (cache tags from allocation events)", List.of(
            new TagUsage("kmalloc-cg-192", TagKind.CACHE, Pool.NONPAGED, 239, 27, 212, 40_704, ""),
            new TagUsage("filp", TagKind.CACHE, Pool.NONPAGED, 101, 100, 1, 256, "")),
            new Loss(3, 292, 1, false));

    @Test
    void allocsAndFreesComeFromTheLedgerAndDiffAndBytesFromProcfs() {
        UsageSnapshot m = TracedUsage.merge(PROCFS, LEDGER);
        assertEquals(List.of(
                new TagUsage("kmalloc-cg-192", TagKind.CACHE, Pool.NONPAGED, 239, 27, 546, 104_832, ""),
                // No event since tracing began: 0 is the truth.
                new TagUsage("dentry", TagKind.CACHE, Pool.PAGED, 0, 0, 9_973, 1_914_816, ""),
                // Caches the tracepoints cannot see and vmalloc callers stay unknown.
                new TagUsage("maple_node", TagKind.CACHE, Pool.NONPAGED, -1, -1, 653, 167_168, ""),
                new TagUsage("vmalloc:alloc_large_system_hash", TagKind.VMALLOC, Pool.NONPAGED, -1, -1, 3, 12_288, "")),
                m.rows());
        assertEquals(new Loss(3, 292, 1, false), m.loss());
        assertEquals(5, m.takenAtNanos());
        assertTrue(m.source().endsWith("+ ledger (cache tags from allocation events)"), m.source());
    }

    @Test
    void theScreenShowsTheLossOnAStatusLine() {
        MonScreen screen = new MonScreen(() -> TracedUsage.merge(PROCFS, LEDGER), PoolMonModel.defaults(), false, 60_000,
                () -> new Meminfo(1, 2, 3, 4, 5), true);
        List<String> lines = screen.linesForTest(new Size(120, 12));
        assertEquals(" Traced: Loss: 3 lost events, 292 unpaired frees, 1 skipped records, 0 evicted outstanding", lines.get(2));
        assertTrue(lines.stream().anyMatch(l -> l.matches(" kmalloc-cg-192 +Nonp +239 \\( +0\\) +27 \\( +0\\) +546 .*")),
                String.join("\n", lines));
    }
}
