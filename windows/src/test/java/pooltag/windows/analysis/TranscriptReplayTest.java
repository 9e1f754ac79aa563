package pooltag.windows.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.windows.parse.CaptureText;
import pooltag.windows.parse.PoolHitTagParser;

class TranscriptReplayTest {
    /** Three x86 allocations from two call sites and one free, as a driver that leaks two blocks leaves them. */
    static final String LEAKING_SESSION = """
            kd> ed nt!poolhittag ' cbA'
            kd> g
            Break instruction exception - code 80000003 (first chance)
            nt!ExAllocatePoolWithTag+0x881:
            82b2f88c int     3
            kd> kb
            ChildEBP RetAddr  Args to Child
            8772d834 a04c3057 00000001 0000013d 20636241 nt!ExAllocatePoolWithTag+0x881
            8772d9d8 82bd22e6 86a220d0 86a40000 00000000 Abc!AbcReadConfig+0x27
            kd> gu
            kd> r eax
            eax=91c26130
            kd> g
            Break instruction exception - code 80000003 (first chance)
            nt!ExAllocatePoolWithTag+0x881:
            82b2f88c int     3
            kd> kb
            ChildEBP RetAddr  Args to Child
            8772d834 a04c3057 00000001 0000013d 20636241 nt!ExAllocatePoolWithTag+0x881
            8772d9d8 82bd22e6 86a220d0 86a40000 00000000 Abc!AbcReadConfig+0x27
            kd> gu
            kd> r eax
            eax=91c26290
            kd> g
            Break instruction exception - code 80000003 (first chance)
            nt!ExAllocatePoolWithTag+0x881:
            82b2f88c int     3
            kd> kb
            ChildEBP RetAddr  Args to Child
            8772d834 a04c3099 00000000 00000035 20636241 nt!ExAllocatePoolWithTag+0x881
            8772d9d8 82bd22e6 86a220d0 86a40000 00000000 Abc!AbcOpen+0x51
            kd> !pool 91c263f0
            kd> g
            Break instruction exception - code 80000003 (first chance)
            nt!ExFreePoolWithTag+0x649:
            82b30104 int     3
            kd> kb
            ChildEBP RetAddr  Args to Child
            8772dba0 a04c3014 91c263f0 20636241 a0a4f900 nt!ExFreePoolWithTag+0x649
            8772dbb4 82bd5d46 86a220d0 a0a4f900 84efcd48 Abc!AbcClose+0x14
            kd> g
            Break instruction exception - code 80000003 (first chance)
            nt!ExFreePoolWithTag+0x649:
            82b30104 int     3
            kd> kb
            ChildEBP RetAddr  Args to Child
            8772dba0 a04c3014 8f001008 20636241 a0a4f900 nt!ExFreePoolWithTag+0x649
            8772dbb4 82bd5d46 86a220d0 a0a4f900 84efcd48 Abc!AbcClose+0x14
            """;

    @Test
    void realTranscriptPairsItsOnlyAllocationWithItsFree() {
        TranscriptReplay p = TranscriptReplay.of(PoolHitTagParser.parse(CaptureText.read(
                java.nio.file.Path.of(System.getProperty("user.dir"), "src/test/resources/windows/kb-poolhittag-1.txt"))));
        assertEquals(1, p.allocs());
        assertEquals(1, p.frees());
        assertEquals(1, p.paired());
        assertEquals(0, p.outstandingCount());
        assertEquals(Loss.NONE, p.loss());
    }

    @Test
    void allocationsNeverFreedAreGroupedByStack() {
        TranscriptReplay p = TranscriptReplay.of(PoolHitTagParser.parse(CaptureText.of("s.txt", LEAKING_SESSION)));
        assertEquals(3, p.allocs());
        assertEquals(1, p.paired());
        assertEquals(1, p.outstanding().size());
        OutstandingStack g = p.outstanding().get(0);
        assertEquals(2, g.count());
        assertEquals(2 * 0x13d, g.bytes());
        assertEquals(List.of("nt!ExAllocatePoolWithTag+0x881", "Abc!AbcReadConfig+0x27"), g.frames());
        assertEquals(List.of(0x91c26130L, 0x91c26290L), g.addresses());
        assertEquals(List.of("Abc"), g.tags());
    }

    @Test
    void freeOfABlockAllocatedBeforeTheTranscriptIsCountedUnpaired() {
        TranscriptReplay p = TranscriptReplay.of(PoolHitTagParser.parse(CaptureText.of("s.txt", LEAKING_SESSION)));
        assertEquals(1, p.loss().unpairedFrees());
    }
}
