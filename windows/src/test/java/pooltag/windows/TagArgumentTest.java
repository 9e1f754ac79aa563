package pooltag.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;

class TagArgumentTest {
    private static String refusal(Runnable r) {
        return assertThrows(PooltagException.class, r::run).getMessage();
    }

    @Test
    void aTagHasOneToFourByteCharactersNotAllBlank() {
        assertEquals("Abc", TagArgument.tag("Abc"));
        assertEquals("Leak", TagArgument.tag("bp nt!ExAllocatePool2 \".if (@r8 == 0x6b61654c) {} .else {gc}\""));
        assertEquals("bad tag 'TOOLONG': a pool tag has 1 to 4 characters", refusal(() -> TagArgument.tag("TOOLONG")));
        assertEquals("bad tag '    ': a pool tag has 1 to 4 characters, not all blank",
                refusal(() -> TagArgument.tag("    ")));
        assertTrue(refusal(() -> TagArgument.tag("")).contains("1 to 4 characters"));
        assertTrue(refusal(() -> TagArgument.tag("Ab\u4e2d")).contains("byte characters"));
    }

    @Test
    void aPatternMustFitAFourByteTag() {
        assertTrue(TagArgument.pattern(null).matchesPoolTag("Any"));
        assertTrue(TagArgument.pattern("*").matchesPoolTag("Vad"));
        assertTrue(TagArgument.pattern("A*b*c*d").matchesPoolTag("Abcd"));
        assertTrue(TagArgument.pattern("Vad?").matchesPoolTag("Vad"));
        assertEquals("bad tag 'TOOLONGTAG': a pool tag has 1 to 4 characters",
                refusal(() -> TagArgument.pattern("TOOLONGTAG")));
        assertEquals("bad tag 'A*B*C*D*E': a pool tag has 1 to 4 characters (this pattern needs 5)",
                refusal(() -> TagArgument.pattern("A*B*C*D*E")));
        assertTrue(refusal(() -> TagArgument.pattern("  ")).endsWith("not all blank"));
    }

    @Test
    void aCaptureOfLinuxTablesTakesLongPatterns() {
        java.util.function.Function<String, pooltag.core.snapshot.UsageSnapshot> capture = tag ->
                new pooltag.core.snapshot.UsageSnapshot(1, "f", java.util.List.of(new pooltag.core.snapshot.TagUsage(tag,
                        pooltag.core.tag.TagKind.POOL, pooltag.core.snapshot.Pool.NONPAGED, 1, 0, 1, 64, "")),
                        pooltag.core.snapshot.Loss.NONE);
        TagArgument.checkPatternFor(capture.apply("kmalloc-cg-1k"), "kmalloc-cg-1k"); // pooltag's own Linux table
        assertTrue(refusal(() -> TagArgument.checkPatternFor(capture.apply("Cont"), "TOOLONGTAG"))
                .startsWith("bad tag 'TOOLONGTAG'"));
    }
}
