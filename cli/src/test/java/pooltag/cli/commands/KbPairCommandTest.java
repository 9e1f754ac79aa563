package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class KbPairCommandTest {
    @Test
    void realTranscriptHasNothingOutstanding() {
        String t = CliRun.fixture("kb-poolhittag-1.txt");
        CliRun r = CliRun.of("kbpair", t);
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(
                "PoolHitTag transcript " + t + ": 1 allocations, 1 frees, 1 paired",
                "0 never freed (0 bytes) in 0 stacks",
                "",
                "loss: skipped 0 breaks without a block address, unpaired frees 0 (blocks allocated before the transcript),"
                        + " missed frees 0 (an address allocated twice), truncated: no"), r.outLines());
    }

    @Test
    void leakingSessionListsTheStackThatNeverFreed() {
        String t = CliRun.fixture("kbpair-leak.txt");
        CliRun r = CliRun.of("kbpair", t);
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(
                "PoolHitTag transcript " + t + ": 3 allocations, 2 frees, 1 paired",
                "2 never freed (634 bytes) in 1 stacks",
                "",
                " 2 allocations, 634 bytes, tag Abc, owner Abc!AbcReadConfig+0x27:",
                "    00 nt!ExAllocatePoolWithTag+0x881",
                "    01 Abc!AbcReadConfig+0x27",
                "    02 nt!IopLoadDriver+0x7ed",
                "    at 91c26130 91c26290",
                "",
                "loss: skipped 0 breaks without a block address, unpaired frees 1 (blocks allocated before the transcript),"
                        + " missed frees 0 (an address allocated twice), truncated: no"), r.outLines());
    }

    @Test
    void jsonGroupsByStackWithCountsAndLoss() throws IOException {
        CliRun r = CliRun.of("kbpair", "--json", CliRun.fixture("kbpair-leak.txt"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(2, j.get("outstanding").asLong());
        JsonNode g = j.get("stacks").get(0);
        assertEquals(2, g.get("count").asLong());
        assertEquals(634, g.get("bytes").asLong());
        assertEquals("Abc!AbcReadConfig+0x27", g.get("frames").get(1).asText());
        assertEquals("91c26290", g.get("addresses").get(1).asText());
        assertEquals(1, j.get("loss").get("unpaired_frees").asLong());
        assertEquals("Abc!AbcReadConfig+0x27", g.get("owner").asText());
    }

    @Test
    void aRealAllocatorBreakpointHitWithoutAnAddressIsABreakCountedAsSuch() throws IOException {
        // github.com/microsoft/WinDbg-Feedback/issues/3: Breakpoint 20 hit on nt!ExAllocatePoolWithTag, !pool @rax failed.
        CliRun r = CliRun.of("kbpair", "--json", CliRun.fixture("bp-exallocatepool-windbg-feedback-3.txt"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(1, j.get("breaks").asLong());
        assertEquals(0, j.get("allocs").asLong());
        assertEquals(1, j.get("loss").get("skipped_records").asLong());
    }

    @Test
    void usageSnapshotIsNotATranscript() {
        String f = CliRun.fixture("poolused-3.txt");
        CliRun r = CliRun.of("kbpair", f);
        assertEquals(2, r.exit());
        assertEquals("pooltag: " + f + ": is a !poolused capture, not PoolHitTag transcript\n", r.err());
    }

    @Test
    void anExAllocatePool2TagBreakpointGivesItsTagBreaksAndOwningDriverFrame() throws IOException {
        CliRun r = CliRun.of("kbpair", "--json", CliRun.fixture("bp-exallocatepool2-kmdf.txt"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("[\"Leak\"]", j.get("tags").toString());
        assertEquals(4, j.get("breaks").asLong());
        assertEquals(1, j.get("outstanding").asLong());
        assertEquals("LeakyDrv!LeakyEvtIoWrite+0x4a", j.get("stacks").get(0).get("owner").asText());
        assertEquals("ffffb80a1c2e6a20", j.get("stacks").get(0).get("addresses").get(0).asText());
        assertEquals(1, j.get("loss").get("skipped_records").asLong());
        // the transcript prints no size at these breaks (no r9/rdx dump, no !pool): unknown, not 0 bytes
        assertTrue(j.get("outstanding_bytes").isNull(), r.out());
        assertEquals(1, j.get("outstanding_unsized").asLong());
        assertTrue(j.get("stacks").get(0).get("bytes").isNull(), r.out());
        assertEquals(1, j.get("stacks").get(0).get("unsized").asLong());
        CliRun text = CliRun.of("kbpair", CliRun.fixture("bp-exallocatepool2-kmdf.txt"));
        assertTrue(text.outLines().contains("1 never freed (size not shown) in 1 stacks"), text.out());
        assertTrue(text.outLines().contains(" 1 allocations, size not shown, tag Leak, owner"
                + " LeakyDrv!LeakyEvtIoWrite+0x4a:"), text.out());
    }

    @Test
    void sizesKnownForSomeAllocationsOnlyAreSummedAndTheRestCounted() {
        assertEquals("634 bytes", KbPairCommand.bytes(634, 0, 2));
        assertEquals("size not shown", KbPairCommand.bytes(0, 2, 2));
        assertEquals("634 bytes + 1 of a size not shown", KbPairCommand.bytes(634, 1, 3));
        assertEquals("0 bytes", KbPairCommand.bytes(0, 0, 0));
    }

    /**
     * A real ExAllocatePool2 tag breakpoint (Nick Kuo, "0x0 Live AcpWdfWorkItem Leak", 2024): the bp printed without a
     * prompt, {@code .if(@r8 == 0x61646d61)}, one {@code k} whose frames 01-08 are KMDF's allocator and its inline
     * wrappers. Ground truth from the post: tag 'amda' (the bytes 61 6d 64 61), one break, and the post's own
     * conclusion that the ACP driver (amdacpbus2) creates the work items; its first frame outside Wdf01000 is the
     * inline KMDF stub compiled into that driver.
     */
    @Test
    void aRealExAllocatePool2TagBreakpointNamesItsTagBreakAndOwningDriverFrame() throws IOException {
        CliRun r = CliRun.of("kbpair", "--json", CliRun.fixture("bp-exallocatepool2-amda-kuo.txt"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("[\"amda\"]", j.get("tags").toString());
        assertEquals(1, j.get("breaks").asLong());
        assertEquals(0, j.get("allocs").asLong(), "no block address: nothing to pair");
        assertEquals(1, j.get("loss").get("skipped_records").asLong());
        JsonNode b = j.get("break_stacks").get(0);
        assertEquals("alloc", b.get("kind").asText());
        assertEquals(1, b.get("breaks").asLong());
        assertEquals(1, b.get("unaddressed").asLong());
        assertEquals("amdacpbus2!WdfWorkItemCreate+0x26", b.get("owner").asText());
        assertEquals(17, b.get("frames").size(), "frames 00-10, inline frames included");
        assertEquals("Wdf01000!FxObject::operator new+0x2a", b.get("frames").get(6).asText());
        assertEquals("nt!KiIdleLoop+0x9e", b.get("frames").get(16).asText());
    }
}
