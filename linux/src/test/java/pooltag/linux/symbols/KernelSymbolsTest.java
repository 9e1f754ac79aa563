package pooltag.linux.symbols;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class KernelSymbolsTest {
    static final String KALLSYMS = """
            ffffffff81000000 T _stext
            ffffffff816e53c0 T alloc_pipe_info
            ffffffff816e55f0 T free_pipe_info
            ffffffff81a00000 D some_data
            ffffffff816e5700 t helper
            ffffffffc0001000 t xfs_alloc\t[xfs]
            ffffffffc0001100 T xfs_free\t[xfs]
            """;
    static final String MODULES = "xfs 8192 0 - Live 0xffffffffc0001000\n";

    @Test
    void resolvesSymbolPlusOffsetAndModule() {
        KernelSymbols s = KernelSymbols.parse(KALLSYMS, MODULES, "t");
        assertEquals(6, s.size(), "text symbols only");
        assertEquals("alloc_pipe_info+0x5d", s.format(0xffffffff816e541dL));
        assertEquals("xfs_free+0x10 [xfs]", s.format(0xffffffffc0001110L));
        assertEquals("?", s.format(0x1234L), "unknown addresses never print raw by default");
        assertEquals("0x1234", s.format(0x1234L, true));
        assertEquals("alloc_pipe_info", s.functionName(0xffffffff816e53c0L));
    }

    @Test
    void functionRangeEndsAtTheNextSymbol() {
        KernelSymbols s = KernelSymbols.parse(KALLSYMS, MODULES, "t");
        assertArrayEquals(new long[] {0xffffffff816e53c0L, 0xffffffff816e55f0L},
                s.resolveFunctionRange("alloc_pipe_info"));
        assertEquals(0xffffffffc0001000L + 8192, s.resolveFunctionRange("xfs_free")[1], "module end bounds it");
        assertNull(s.resolveFunctionRange("nope"));
    }

    @Test
    void hiddenAddressesGiveNoSymbols() {
        KernelSymbols s = KernelSymbols.parse("0000000000000000 T _stext\n0000000000000000 T foo\n", "", "t");
        assertEquals(0, s.size());
        assertEquals(2, s.linesRead());
    }
}
