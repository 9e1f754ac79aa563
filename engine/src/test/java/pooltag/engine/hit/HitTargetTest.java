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

    @Test
    void functionTriggersOnCallSiteFunction() {
        TraceConfig c = HitTarget.resolve("alloc_pipe_info", SLABINFO, SYMS).config(TraceConfig.kmem());
        assertEquals(4, c.stackTriggers().size());
        assertEquals("call_site.function == alloc_pipe_info", c.stackTriggers().get("kmem/kmalloc"));
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
        assertEquals("call_site.function == alloc_pipe_info || call_site.function == free_pipe_info",
                sites.triggers().get("kmem/kfree"));
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
}
