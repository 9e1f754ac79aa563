package pooltag.engine.hit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/** The one hit-tag grammar, as kernel filters: exact names, kmalloc classes, functions, wildcards, modules. */
class HitTargetTest {
    static final String SLABINFO = "slabinfo - version: 2.1\n# name <active_objs> ...\ndentry 100 120 192 21 1\n";
    static final KernelSymbols SYMS = KernelSymbols.parse(
            "ffffffff816e53c0 T alloc_pipe_info\nffffffff816e55f0 T free_pipe_info\n", "", "t");

    @Test
    void cacheNameTriggersOnCacheEventsByName() {
        TraceConfig c = HitTarget.resolve("dentry", SLABINFO, SYMS).config(TraceConfig.kmem());
        assertEquals(Map.of("kmem/kmem_cache_alloc", "name == \"dentry\"", "kmem/kmem_cache_free",
                "name == \"dentry\""), c.stackTriggers());
        assertTrue(c.filters().isEmpty(), "every event is still recorded");
    }

    /**
     * A function is its address range from kallsyms, start inclusive, end (the next symbol) exclusive: the range the
     * kernel's own {@code call_site.function == alloc_pipe_info} tests, which kernels before 6.2 do not take.
     */
    @Test
    void functionTriggersOnItsAddressRange() {
        TraceConfig c = HitTarget.resolve("alloc_pipe_info", SLABINFO, SYMS).config(TraceConfig.kmem());
        assertEquals(4, c.stackTriggers().size());
        assertEquals("(call_site >= 0xffffffff816e53c0 && call_site < 0xffffffff816e55f0)",
                c.stackTriggers().get("kmem/kmalloc"));
    }

    @Test
    void kmallocSizeClassTriggersOnBytesAlloc() {
        TraceConfig c = HitTarget.resolve("kmalloc-192", SLABINFO, SYMS).config(TraceConfig.kmem());
        assertEquals(Map.of("kmem/kmalloc", "bytes_alloc == 192"), c.stackTriggers());
    }

    @Test
    void unknownOrUnsafeTagsAreOneLineErrors() {
        assertThrows(PooltagException.class, () -> HitTarget.resolve("nope", SLABINFO, SYMS).config(TraceConfig.kmem()));
        assertThrows(PooltagException.class,
                () -> HitTarget.resolve("x\" || 1", SLABINFO, SYMS).config(TraceConfig.kmem()));
    }

    @Test
    void aKmallocSizeIsTheClassThatServesItAsSlabinfoSpellsIt() {
        HitTarget t = HitTarget.resolve("kmalloc-1000", SLABINFO, SYMS);
        assertEquals(java.util.List.of("kmalloc-1k"), t.ledgerNames());
        assertEquals(Map.of("kmem/kmalloc", "bytes_alloc == 1024"), t.triggers());
        assertTrue(t.namesKmallocClass(1024));
    }

    @Test
    void wildcardsAndModulesBecomeOneOrFilterAndTheirRanges() {
        HitTarget sites = HitTarget.resolve("site:*_pipe_info", SLABINFO, SYMS);
        assertEquals("(call_site >= 0xffffffff816e53c0 && call_site < 0xffffffff816e55f0) || (call_site >= "
                + String.format("0x%x && call_site < 0x%x)", SYMS.resolveFunctionRange("free_pipe_info")[0],
                SYMS.resolveFunctionRange("free_pipe_info")[1]), sites.triggers().get("kmem/kfree"));
        assertTrue(sites.inSite(0xffffffff816e53c8L));
        KernelSymbols withModule = KernelSymbols.parse("ffffffff816e53c0 T alloc_pipe_info\n"
                + "ffffffffc0a00000 t xfs_alloc\t[xfs]\nffffffffc0a00100 t xfs_free\t[xfs]\n", "xfs 1 0 - Live 0x0\n", "t");
        HitTarget mod = HitTarget.resolve("[xfs]", SLABINFO, withModule);
        assertEquals(java.util.List.of("[xfs]"), mod.ledgerNames());
        assertTrue(mod.triggers().get("kmem/kmalloc").startsWith("(call_site >= 0xffffffffc0a00000 && call_site < "),
                mod.triggers().toString());
        assertTrue(mod.inSite(0xffffffffc0a00010L));
        assertEquals(false, mod.inSite(0xffffffff816e53c8L));
    }

    @Test
    void stackTagsAndTooWideWildcardsAreOneLineErrors() {
        assertThrows(PooltagException.class, () -> HitTarget.resolve("~3fa2c1d0", SLABINFO, SYMS));
        assertThrows(PooltagException.class, () -> HitTarget.resolve("stack:3fa2c1d0", SLABINFO, SYMS));
    }

    /**
     * SLUB merges caches of one size and flags: the merged name is a symbolic link in /sys/kernel/slab, has no
     * slabinfo row, and its events carry the name of the cache it joined. As on this 6.18 VM: UNIX and aio_kiocb
     * were merged, UNIX into the 1152-byte cache signal_cache shows (:A-0001152), aio_kiocb into file_lock_cache.
     */
    static final String MERGED_SLABINFO = SLABINFO + "signal_cache 200 210 1152 28 8\nfile_lock_cache 42 42 192 21 1\n"
            + "kmalloc-192 500 504 192 21 1\n";
    static final pooltag.linux.procfs.SlabSysfs MERGED_SYSFS = pooltag.linux.procfs.SlabSysfs.parse(
            ":0000192\t0\taio_kiocb file_lock_cache rtable\n"
            + ":A-0001152\t0\tUNIX signal_cache\n"
            + ":0000064\t0\tkmalloc-64 x_twin y_twin\n" // slabinfo has neither x_twin nor y_twin, nor kmalloc-64
            + "dentry\t1\tdentry\n");

    @Test
    void aMergedCacheNameResolvesToTheCacheItsEventsNameAndSaysSo() {
        HitTarget t = HitTarget.resolve("UNIX", MERGED_SLABINFO, MERGED_SYSFS, SYMS);
        assertEquals(java.util.List.of("signal_cache"), t.ledgerNames(), "the ledger counts it as its events name it");
        assertEquals(Map.of("kmem/kmem_cache_alloc", "name == \"signal_cache\"",
                "kmem/kmem_cache_free", "name == \"signal_cache\""), t.triggers());
        assertTrue(t.namesCache("signal_cache"));
        assertEquals("UNIX: merged by SLUB into signal_cache; the kernel names a merged cache by the cache it joined,"
                + " so its allocations are that cache's, every merged name's among them", t.mergeNote());
        // a wildcard over merged names: each cache once, by the name its events carry; x_twin and y_twin stay out
        HitTarget w = HitTarget.resolve("cache:*", MERGED_SLABINFO, MERGED_SYSFS, SYMS);
        assertEquals(java.util.List.of("dentry", "file_lock_cache", "kmalloc-192", "signal_cache"),
                w.ledgerNames().stream().sorted().toList());
        assertEquals("aio_kiocb, rtable: merged by SLUB into file_lock_cache; UNIX: merged by SLUB into signal_cache;"
                + " the kernel names a merged cache by the cache it joined, so its allocations are that cache's, every"
                + " merged name's among them", w.mergeNote());
        // a cache with its own slabinfo row resolves as before, no note
        HitTarget own = HitTarget.resolve("file_lock_cache", MERGED_SLABINFO, MERGED_SYSFS, SYMS);
        assertEquals(java.util.List.of("file_lock_cache"), own.ledgerNames());
        assertEquals("", own.mergeNote());
    }

    /**
     * Where kmalloc caches take merges, a name merged into kmalloc-192 allocates through kmem_cache_alloc, whose
     * events name kmalloc-192: filtered by that name, besides kmalloc()'s size filter for the class itself.
     */
    @Test
    void aNameMergedIntoAKmallocClassIsFilteredByTheClassNameToo() {
        var sysfs = pooltag.linux.procfs.SlabSysfs.parse(":0000192\t0\tcred_jar kmalloc-192\n");
        HitTarget t = HitTarget.resolve("cred_jar", MERGED_SLABINFO, sysfs, SYMS);
        assertEquals(java.util.List.of("kmalloc-192"), t.ledgerNames());
        assertEquals(Map.of("kmem/kmalloc", "bytes_alloc == 192", "kmem/kmem_cache_alloc", "name == \"kmalloc-192\"",
                "kmem/kmem_cache_free", "name == \"kmalloc-192\""), t.triggers());
        assertTrue(t.namesCache("kmalloc-192"), "its kmem_cache_alloc events break");
        assertTrue(t.namesKmallocClass(192));
        // typed as the class itself: only kmalloc()'s size filter, as before
        assertEquals(Map.of("kmem/kmalloc", "bytes_alloc == 192"),
                HitTarget.resolve("kmalloc-192", MERGED_SLABINFO, sysfs, SYMS).triggers());
    }

    @Test
    void aMergedNameIsUnknownWithoutSysfsOrWithoutOneCacheItsEventsCouldName() {
        PooltagException e = assertThrows(PooltagException.class, () -> HitTarget.resolve("UNIX", MERGED_SLABINFO,
                SYMS));
        assertTrue(e.getMessage().startsWith("hit tag 'UNIX': no cache"), e.getMessage());
        // x_twin's directory holds no name slabinfo shows: which name its events carry is unknown, so it is unknown
        assertThrows(PooltagException.class, () -> HitTarget.resolve("x_twin", MERGED_SLABINFO, MERGED_SYSFS, SYMS));
        // nor when the directory holds two names slabinfo shows (neither can be told to be the one events carry)
        var twoRows = pooltag.linux.procfs.SlabSysfs.parse(":0000192\t0\taio_kiocb file_lock_cache kmalloc-192\n");
        assertThrows(PooltagException.class, () -> HitTarget.resolve("aio_kiocb", MERGED_SLABINFO, twoRows, SYMS));
    }

    @Test
    void inARecordingTheCachesItsEventsNamedCountAsRowsToo() {
        HitTarget t = HitTarget.resolveInRecording("UNIX", "", MERGED_SYSFS, java.util.List.of("signal_cache"), SYMS);
        assertEquals(java.util.List.of("signal_cache"), t.ledgerNames());
    }

    /**
     * 60 functions' ranges make a 4,271-byte trigger, which the kernel refuses (a write of a page or more; 56 make
     * 3,987 bytes, taken): refused here first, with what to do, before anything is traced.
     */
    @Test
    void aWildcardWhoseTriggerWouldOverflowTheKernelsWriteIsRefusedWithItsSize() {
        StringBuilder kallsyms = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            kallsyms.append(String.format("%x T f_%03d%n", 0xffffffff81000000L + 0x100L * i, i));
        }
        KernelSymbols syms = KernelSymbols.parse(kallsyms.toString(), "", "t");
        HitTarget ok = HitTarget.resolve("site:f_00*", SLABINFO, syms); // f_000 .. f_009
        assertEquals(10, ok.ledgerNames().size());
        PooltagException e = assertThrows(PooltagException.class, () -> HitTarget.resolve("site:f_0*", SLABINFO, syms));
        assertEquals("hit tag 'site:f_0*' matches 60 site tags; their trigger is 4271 bytes, more than the kernel takes"
                + " in one write (4095): narrow the wildcard", e.getMessage());
    }

    /** Debian 12's 6.1 (seen live): sizes from /sys/kernel/slab; dentry's 192/192 are also proc_dir_entry's. */
    static final pooltag.linux.procfs.SlabSysfs SYSFS_61 = pooltag.linux.procfs.SlabSysfs.parse(
            "dentry\t1\tdentry\t192\t192\t\n"
                    + "proc_dir_entry\t0\tproc_dir_entry\t192\t192\t\n"
                    + "inode_cache\t1\tinode_cache\t632\t640\tinode_cache\n");
    static final String SLABINFO_61 = SLABINFO + "inode_cache 10104 10150 640 25 4\nproc_dir_entry 1 2 192 21 1\n";

    /**
     * Before 6.2 kmem_cache_alloc has no {@code name} (the kernel refuses the name filter): allocations are caught by
     * the cache's object and slot sizes, frees still by name where kmem_cache_free has it (5.12 on) and not at all
     * before; the note says which other caches' allocations the sizes catch too.
     */
    @Test
    void beforeLinux62ACacheIsHitByItsSizes() {
        HitTarget inode = HitTarget.resolve("inode_cache", SLABINFO_61, SYSFS_61, SYMS,
                new HitTarget.CacheNameFields(false, true));
        assertEquals(Map.of("kmem/kmem_cache_alloc", "(bytes_req == 632 && bytes_alloc == 640)",
                "kmem/kmem_cache_free", "name == \"inode_cache\""), inode.triggers());
        assertEquals("inode_cache's allocations are caught by their sizes (632 B objects in 640 B slots: this kernel's"
                + " kmem_cache_alloc names no cache)", inode.mergeNote());
        assertTrue(inode.namesCacheBySizes(632, 640));
        assertTrue(!inode.namesCacheBySizes(640, 640));

        HitTarget dentry = HitTarget.resolve("dentry", SLABINFO_61, SYSFS_61, SYMS,
                new HitTarget.CacheNameFields(false, false));
        assertEquals(Map.of("kmem/kmem_cache_alloc", "(bytes_req == 192 && bytes_alloc == 192)"), dentry.triggers());
        assertTrue(dentry.mergeNote().endsWith("; proc_dir_entry has the same sizes, and its allocations break too"),
                dentry.mergeNote());

        // 6.2 on: by name, as before, and no note
        HitTarget named = HitTarget.resolve("inode_cache", SLABINFO_61, SYSFS_61, SYMS,
                HitTarget.CacheNameFields.BOTH);
        assertEquals("name == \"inode_cache\"", named.triggers().get("kmem/kmem_cache_alloc"));
        assertEquals("", named.mergeNote());
    }

    /** Without sizes for the cache (no SLUB sysfs) an unnamed-cache kernel cannot hit it: one line says why. */
    @Test
    void beforeLinux62ACacheWithoutSizesIsRefused() {
        pooltag.core.error.PooltagException e = org.junit.jupiter.api.Assertions.assertThrows(
                pooltag.core.error.PooltagException.class, () -> HitTarget.resolve("dentry", SLABINFO,
                        pooltag.linux.procfs.SlabSysfs.absent(), SYMS, new HitTarget.CacheNameFields(false, true)));
        assertEquals("hit tag 'dentry': this kernel's kmem_cache_alloc names no cache (before 6.2) and"
                + " /sys/kernel/slab gives no object and slot size for dentry to catch its allocations by; hit one of"
                + " its call sites instead", e.getMessage());
    }
}
