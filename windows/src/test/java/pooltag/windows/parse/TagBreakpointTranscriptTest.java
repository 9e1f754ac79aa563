package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.windows.analysis.OutstandingStack;
import pooltag.windows.analysis.TranscriptReplay;

/** Transcripts of conditional breakpoints on the allocator that test the tag register. */
class TagBreakpointTranscriptTest {
    /**
     * A session in the documented syntax (bp with a .if/.else{gc} condition on @r8 for ExAllocatePool2, j-style on
     * @rdx for ExFreePoolWithTag; x64 {@code k} layout). Constructed, not captured: no public transcript of an
     * ExAllocatePool2 tag breakpoint with its stacks was found; the real one in the fixtures
     * (bp-exallocatepool-windbg-feedback-3.txt) shows a hit without the condition or the stack.
     */
    /** A session in the documented syntax; constructed, not captured (the file's source line says why). */
    static Transcript session() {
        return PoolHitTagParser.parse(Fixtures.text("bp-exallocatepool2-kmdf.txt"));
    }


    @Test
    void tagFromTheConditionKindFromTheSymbolAddressesFromRaxAndRcx() {
        Transcript t = session();
        assertEquals(4, t.events().size());
        List<String> tags = t.events().stream().map(HitEvent::tag).distinct().toList();
        assertEquals(List.of("Leak"), tags);
        assertEquals(List.of(HitEvent.Kind.ALLOC, HitEvent.Kind.ALLOC, HitEvent.Kind.FREE, HitEvent.Kind.ALLOC),
                t.events().stream().map(HitEvent::kind).toList());
        assertEquals(0xffffb80a1c2e5f60L, t.events().get(0).address());
        assertEquals(0xffffb80a1c2e6a20L, t.events().get(1).address());
        assertEquals(0xffffb80a1c2e5f60L, t.events().get(2).address());
        // The last break showed no address (no gu/r rax): counted, not paired.
        assertEquals(0, t.events().get(3).address());
        assertEquals(1, t.loss().skippedRecords());
    }

    @Test
    void replayedIntoTheLedgerTheOwnerIsTheFirstFrameOutsideTheAllocatorAndKmdf() {
        TranscriptReplay r = TranscriptReplay.of(session());
        assertEquals(2, r.allocs());
        assertEquals(1, r.frees());
        assertEquals(1, r.paired());
        assertEquals(1, r.outstanding().size());
        OutstandingStack g = r.outstanding().get(0);
        assertEquals("LeakyDrv!LeakyEvtIoWrite+0x4a", g.owner());
        assertEquals(List.of("Leak"), g.tags());
        assertEquals(List.of(0xffffb80a1c2e6a20L), g.addresses());
        assertEquals(1, r.loss().skippedRecords());
    }

    @Test
    void theRealHitWithoutAnAddressIsCountedAsSuch() {
        Transcript t = PoolHitTagParser.parse(Fixtures.text("bp-exallocatepool-windbg-feedback-3.txt"));
        assertEquals(1, t.events().size());
        assertEquals(HitEvent.Kind.ALLOC, t.events().get(0).kind());
        assertEquals(0, t.events().get(0).address());
        assertEquals(1, t.loss().skippedRecords());
        assertEquals(CaptureKind.POOLHITTAG, FormatDetector.detect(Fixtures.text("bp-exallocatepool-windbg-feedback-3.txt")));
    }

    @Test
    void conditionsDecodeToTags() {
        assertEquals("Leak", BreakpointTag.decode("bp nt!ExAllocatePool2 \".if (@r8 == 0x6b61654c) {} .else {gc}\""));
        assertEquals("Leak", BreakpointTag.decode("bp /w \"@r8 == 0x6b61654c\" nt!ExAllocatePoolWithTag"));
        assertEquals("Leak", BreakpointTag.decode("bp nt!ExFreePoolWithTag \"j (@rdx==6b61654c) ''; 'gc'\""));
        assertEquals("Leak", BreakpointTag.decode("bp nt!ExAllocatePool3 \".if (@r8d == 'kaeL') {} .else {gc}\""));
        assertEquals("Abc", BreakpointTag.decode("bp nt!ExAllocatePoolWithQuotaTag \".if (@r8==0x20636241) {} .else {gc}\""));
        assertNull(BreakpointTag.decode("bp nt!ExAllocatePool2"));
        assertNull(BreakpointTag.decode("bp nt!ExAllocatePool2 \".if (@r9 == 0x6b61654c) {} .else {gc}\""));
        assertNull(BreakpointTag.decode("x" + " ".repeat(100) + "r8 == zz"));
    }
}
