package pooltag.linux.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.linux.testutil.Formats;

class FormatParseTest {
    @Test
    void headerPageOfThisKernel() {
        HeaderPage hp = HeaderPage.parse(Formats.resource("header_page"), "header_page");
        assertEquals(new HeaderPage(0, 8, 8, 16, 4080), hp);
        assertEquals(4096, hp.pageSize());
    }

    @Test
    void kmemCacheAllocFieldsIncludingDataLoc() {
        EventFormat f = EventFormat.parse("kmem", Formats.resource("kmem_kmem_cache_alloc.format"), "x");
        assertEquals(659, f.id());
        EventFormat.Field name = f.require("name");
        assertEquals(24, name.offset());
        assertEquals(4, name.size());
        assertTrue(name.dataLoc());
        assertEquals(60, f.require("accounted").offset());
        assertTrue(f.require("common_pid").signed());
    }

    @Test
    void kernelStackCallerArrayNameIsStripped() {
        EventFormat f = EventFormat.parse("ftrace", Formats.resource("ftrace_kernel_stack.format"), "x");
        assertEquals(4, f.id());
        assertEquals(16, f.require("caller").offset());
        assertEquals(64, f.require("caller").size());
    }

    @Test
    void missingIdIsAClearError() {
        DecodeException e = assertThrows(DecodeException.class,
                () -> EventFormat.parse("kmem", "name: x\nformat:\n", "kmem/x/format"));
        assertTrue(e.getMessage().startsWith("kmem/x/format"), e.getMessage());
    }

    @Test
    void duplicateIdsAreRejected() {
        String k = Formats.resource("kmem_kmalloc.format");
        assertThrows(DecodeException.class, () -> TraceSchema.parse(Formats.resource("header_page"),
                Map.of("kmem/kmalloc", k, "kmem/other", k), "t"));
    }
}
