package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.snapshot.Pool;

class PoolHitTagParserTest {
    @Test
    void realTranscriptHasOneAllocationAndOneFree() {
        Transcript t = PoolHitTagParser.parse(Fixtures.text("kb-poolhittag-1.txt"));
        assertEquals(2, t.events().size());
        assertEquals(HitEvent.Kind.ALLOC, t.events().get(0).kind());
        assertEquals(HitEvent.Kind.FREE, t.events().get(1).kind());
        assertEquals(0, t.loss().skippedRecords());
    }

    @Test
    void realTranscriptAllocationTakesAddressSizePoolAndTagFromTheSession() {
        HitEvent a = PoolHitTagParser.parse(Fixtures.text("kb-poolhittag-1.txt")).events().get(0);
        assertEquals(0x91c26130L, a.address());
        assertEquals(0x70, a.bytes());
        assertEquals(Pool.PAGED, a.pool());
        assertEquals("abcd", a.tag());
        assertEquals(10, a.frames().size());
        assertEquals("nt!ExAllocatePoolWithTag+0x881", a.frames().get(0));
        assertEquals("Sample!DriverEntry+0x27", a.frames().get(4));
    }

    @Test
    void realTranscriptFreeTakesTheAddressFromTheFreeFrameArgument() {
        HitEvent f = PoolHitTagParser.parse(Fixtures.text("kb-poolhittag-1.txt")).events().get(1);
        assertEquals(0x91c26130L, f.address());
        assertEquals("abcd", f.tag());
        assertEquals(7, f.frames().size());
        assertEquals("Sample!SampleUnload+0x14", f.frames().get(2));
    }

    @Test
    void docsTranscriptSetsTagButHasNoBreaks() {
        Transcript t = PoolHitTagParser.parse(Fixtures.text("poolhittag-docs-1.txt"));
        assertEquals(0, t.events().size());
    }

    @Test
    void x64AllocationWithoutAddressIsCountedNotPaired() {
        Transcript t = PoolHitTagParser.parse(CaptureText.of("x64.txt", """
                0: kd> ed nt!poolhittag ' cbA'
                0: kd> g
                Break instruction exception - code 80000003 (first chance)
                nt!ExAllocatePoolWithTag+0x5c:
                fffff800`02bb54ec cc              int     3
                0: kd> k
                Child-SP          RetAddr           Call Site
                fffff880`0335f6d8 fffff880`04c1102b nt!ExAllocatePoolWithTag+0x5c
                fffff880`0335f6e0 fffff800`02d8c2a7 Abc!AbcCreateContext+0x2b
                """));
        assertEquals(1, t.events().size());
        HitEvent a = t.events().get(0);
        assertEquals(0, a.address());
        assertEquals("Abc", a.tag());
        assertEquals(List.of("nt!ExAllocatePoolWithTag+0x5c", "Abc!AbcCreateContext+0x2b"), a.frames());
        assertEquals(1, t.loss().skippedRecords());
    }

    @Test
    void replayHandsWindowsPoolEventsToTheConsumer() {
        Transcript t = PoolHitTagParser.parse(Fixtures.text("kb-poolhittag-1.txt"));
        List<String> seen = new ArrayList<>();
        t.replay(new AllocEventConsumer() {
            @Override
            public void onEvent(AllocEvent e) {
                assertEquals(AllocEvent.SOURCE_WINDOWS_POOL, e.source());
                seen.add(e.type() + ":" + Long.toHexString(e.address()) + ":" + e.bytesRequested()
                        + (e.type() == AllocEvent.STACK ? ":" + t.frameText(e.stackFrame(0)) + "/" + e.stackDepth() : ""));
            }

            @Override
            public void onLoss(int cpu, long count) {
            }
        });
        // The allocation, its kb stack as a STACK event (frame ids that name the transcript's call sites), the free.
        assertEquals(3, seen.size(), seen.toString());
        assertEquals("1:91c26130:112", seen.get(0));
        assertTrue(seen.get(1).startsWith("3:91c26130:112:"), seen.get(1));
        assertEquals("2:91c26130:0", seen.get(2));
    }

    @Test
    void hexPoolHitTagValueNamesTheTag() {
        Transcript t = PoolHitTagParser.parse(CaptureText.of("hex.txt", """
                kd> ed nt!PoolHitTag 3261654c
                Break instruction exception - code 80000003 (first chance)
                nt!ExFreePool+0x12:
                kd> k
                """));
        assertEquals("Lea2", t.events().get(0).tag());
        assertTrue(t.events().get(0).frames().isEmpty());
    }

    @Test
    void x64KbFramesWithColonColumnsGiveTheirCallSites() {
        Transcript t = PoolHitTagParser.parse(CaptureText.of("x64kb.txt", """
                1: kd> ed nt!poolhittag 'dcba'
                Break instruction exception - code 80000003 (first chance)
                nt!ExFreePoolWithTag+0x2a:
                fffff800`02bb54ec cc              int     3
                1: kd> kbn
                 # RetAddr           : Args to Child                                                           : Call Site
                00 fffff880`04c1102b : ffffc50f`3e6c3b90 00000000`64636261 00000000`00000000 00000000`00000000 : nt!ExFreePoolWithTag+0x2a
                01 fffff800`02d8c2a7 : 00000000`00000000 00000000`00000000 00000000`00000000 00000000`00000000 : Abc!AbcClose+0x1b
                """));
        HitEvent f = t.events().get(0);
        assertEquals(HitEvent.Kind.FREE, f.kind());
        assertEquals(List.of("nt!ExFreePoolWithTag+0x2a", "Abc!AbcClose+0x1b"), f.frames());
        assertEquals("abcd", f.tag());
        // x64 "Args to Child" are home space, not the arguments: the address stays unknown and is counted.
        assertEquals(0, f.address());
        assertEquals(1, t.loss().skippedRecords());
    }

    @Test
    void unwindWarningInsideAStackDoesNotEndIt() {
        Transcript t = PoolHitTagParser.parse(CaptureText.of("warn.txt", """
                kd> ed nt!poolhittag 'dcba'
                Break instruction exception - code 80000003 (first chance)
                nt!ExAllocatePoolWithTag+0x881:
                kd> k
                ChildEBP RetAddr
                8772d834 a04c3057 nt!ExAllocatePoolWithTag+0x881
                WARNING: Stack unwind information not available. Following frames may be wrong.
                8772d9d8 82bd22e6 Sample+0x1027
                """));
        assertEquals(List.of("nt!ExAllocatePoolWithTag+0x881", "Sample+0x1027"), t.events().get(0).frames());
    }
}
