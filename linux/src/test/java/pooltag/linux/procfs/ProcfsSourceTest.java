package pooltag.linux.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

class ProcfsSourceTest {
    @TempDir
    Path tmp;

    private static TagUsage row(UsageSnapshot s, String tag) {
        return s.rows().stream().filter(u -> u.tag().equals(tag)).findFirst().orElseThrow();
    }

    @Test
    void reclaimableCacheIsPagedWithBytesFromActiveObjects() throws IOException {
        UsageSnapshot s = new ProcfsSource(CapturedTree.build(tmp), true).take();
        TagUsage d = row(s, "dentry");
        assertEquals(Pool.PAGED, d.pool());
        assertEquals(TagKind.CACHE, d.kind());
        assertEquals(10542, d.live());
        assertEquals(10542L * 192, d.bytes());
        assertEquals(TagUsage.UNKNOWN, d.allocs());
    }

    @Test
    void mergedCacheIsNonPagedAndListsItsAliases() throws IOException {
        // sysfs: signal_cache, UNIX, UNIX-STREAM -> :A-0001152 (reclaim_account 0)
        UsageSnapshot s = new ProcfsSource(CapturedTree.build(tmp), true).take();
        TagUsage sig = row(s, "signal_cache");
        assertEquals(Pool.NONPAGED, sig.pool());
        assertTrue(sig.description().endsWith("merged with UNIX UNIX-STREAM"), sig.description());
    }

    @Test
    void vmallocCallersAreTagsWithAreasAndBytes() throws IOException {
        // awk '$3 ~ /^kernel_clone\+/ {n++; s+=$2}' vmallocinfo  ->  91 1863680
        UsageSnapshot s = new ProcfsSource(CapturedTree.build(tmp), true).take();
        TagUsage k = row(s, "vmalloc:kernel_clone");
        assertEquals(TagKind.VMALLOC, k.kind());
        assertEquals(Pool.NONPAGED, k.pool());
        assertEquals(91, k.live());
        assertEquals(1_863_680L, k.bytes());
        assertEquals(1952, row(s, "vmalloc:unpurged_vm_area").live());
    }

    @Test
    void everyCacheAndEveryCallerIsOneRow() throws IOException {
        UsageSnapshot s = new ProcfsSource(CapturedTree.build(tmp), true).take();
        long caches = s.rows().stream().filter(u -> u.kind() == TagKind.CACHE).count();
        long callers = s.rows().stream().filter(u -> u.kind() == TagKind.VMALLOC).count();
        assertEquals(235, caches);
        // awk '{print $3}' vmallocinfo | sed 's/+.*//' | sort -u | wc -l  ->  14 (unpurged lines give "vm_area")
        assertEquals(14, callers);
    }

    @Test
    void withoutSysfsEverythingIsNonPaged() throws IOException {
        Path root = CapturedTree.build(tmp);
        Path slab = root.resolve("sys/kernel/slab");
        try (var walk = Files.walk(slab)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
        UsageSnapshot s = new ProcfsSource(root, false).take();
        assertEquals(Pool.NONPAGED, row(s, "dentry").pool());
    }

    @Test
    void missingFileSaysWhichAndWhy() {
        PooltagException e = assertThrows(PooltagException.class, () -> new ProcfsSource(tmp, true).take());
        assertEquals("cannot read " + tmp.resolve("proc/slabinfo") + ": no such file (is this a Linux kernel with"
                + " SLUB/SLAB and /proc mounted?)", e.getMessage());
    }

    @Test
    void unreadableFileSaysWhichAndWhy() throws IOException {
        // Root reads through mode bits, so make the path unreadable as a file: a directory in its place.
        Path root = CapturedTree.build(tmp);
        Files.delete(root.resolve("proc/vmallocinfo"));
        Files.createDirectory(root.resolve("proc/vmallocinfo"));
        PooltagException e = assertThrows(PooltagException.class, () -> new ProcfsSource(root, true).take());
        assertTrue(e.getMessage().startsWith("cannot read " + root.resolve("proc/vmallocinfo") + ": "), e.getMessage());
    }

    @Test
    void aliasesOfUnmergedCacheAreEmpty() throws IOException {
        SlabSysfs sysfs = SlabSysfs.read(CapturedTree.build(tmp).resolve("sys/kernel/slab"));
        assertEquals(List.of(), sysfs.aliases("dentry"));
        assertEquals(List.of("UNIX", "UNIX-STREAM"), sysfs.aliases("signal_cache"));
        assertEquals(List.of("UNIX-STREAM", "signal_cache"), sysfs.aliases("UNIX"));
    }

    @Test
    void vmallocLineWithoutAddressRangeIsRejectedWithLine() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> VmallocinfoParser.parse("0x1-0x2 4096 foo+0x1/0x2 vmalloc\ngarbage here\n", "vi"));
        assertEquals("vi:2: not a vmallocinfo line 'garbage here' (expected 0xSTART-0xEND SIZE CALLER ...)",
                e.getMessage());
    }

    /**
     * %pS prints a caller kallsyms cannot name (a module since unloaded, a BPF program) as its bare address: that is
     * the caller, one per address whatever the areas' pages= (grouping the line's words made a tag per pages count).
     */
    @Test
    void aCallerWithoutASymbolIsItsBareAddressOncePerAddress() {
        List<VmallocinfoParser.Caller> callers = VmallocinfoParser.parse(String.join("\n",
                "0xffffc90000010000-0xffffc90000013000   12288 0xffffffffc0a1b2c3 pages=2 vmalloc N0=2",
                "0xffffc90000020000-0xffffc90000022000    8192 0xffffffffc0a1b2c3 pages=1 vmalloc N0=1",
                "0xffffc90000030000-0xffffc90000032000    8192 0xffffffffc0d4e5f6 pages=1 ioremap",
                "0xffffc90000040000-0xffffc90000041000    4096 unpurged vm_area", ""), "vi");
        assertEquals(List.of(new VmallocinfoParser.Caller("0xffffffffc0a1b2c3", 2, 20480, "vmalloc"),
                new VmallocinfoParser.Caller("0xffffffffc0d4e5f6", 1, 8192, "ioremap"),
                new VmallocinfoParser.Caller("unpurged_vm_area", 1, 4096, "")), callers);
    }
}
