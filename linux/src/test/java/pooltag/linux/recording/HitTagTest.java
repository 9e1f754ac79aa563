package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

class HitTagTest {
    static final String SLABINFO = "slabinfo - version: 2.1\n# name <active_objs> ...\ndentry 100 120 192 21 1\n";
    static final KernelSymbols SYMS = KernelSymbols.parse(
            "ffffffff816e53c0 T alloc_pipe_info\nffffffff816e55f0 T free_pipe_info\n", "", "t");

    @Test
    void cacheNameTriggersOnCacheEventsByName() {
        TraceConfig c = HitTag.apply(TraceConfig.kmem(), "dentry", SLABINFO, SYMS);
        assertEquals(Map.of("kmem/kmem_cache_alloc", "name == \"dentry\"", "kmem/kmem_cache_free",
                "name == \"dentry\""), c.stackTriggers());
        assertTrue(c.filters().isEmpty(), "every event is still recorded");
    }

    @Test
    void functionTriggersOnCallSiteFunction() {
        TraceConfig c = HitTag.apply(TraceConfig.kmem(), "alloc_pipe_info", SLABINFO, SYMS);
        assertEquals(4, c.stackTriggers().size());
        assertEquals("call_site.function == alloc_pipe_info", c.stackTriggers().get("kmem/kmalloc"));
    }

    @Test
    void kmallocSizeClassTriggersOnBytesAlloc() {
        TraceConfig c = HitTag.apply(TraceConfig.kmem(), "kmalloc-192", SLABINFO, SYMS);
        assertEquals(Map.of("kmem/kmalloc", "bytes_alloc == 192"), c.stackTriggers());
    }

    @Test
    void unknownOrUnsafeTagsAreOneLineErrors() {
        assertThrows(PooltagException.class, () -> HitTag.apply(TraceConfig.kmem(), "nope", SLABINFO, SYMS));
        assertThrows(PooltagException.class,
                () -> HitTag.apply(TraceConfig.kmem(), "x\" || 1", SLABINFO, SYMS));
    }
}
