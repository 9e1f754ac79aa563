package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code find --from} and {@code verifier} over the real captures from the WinDbg documentation. */
class CaptureFindTest {
    @Test
    void findFromShowsTheAllocatedBlocksOfARealPoolfindInLiveFindsLayout() {
        String f = CliRun.fixture("poolfind-2.txt");
        CliRun r = CliRun.of("find", "--from", f, "SeSd");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.outLines();
        assertEquals("Searching NonPaged and Paged pools for tag SeSd, as captured in " + f, lines.get(0));
        assertEquals("826fa130 : tag SeSd, size      0xc0, Nonpaged pool, line " + lineOf(f, "826fa130"), lines.get(2));
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("82721c00")), "a (Free) block is not outstanding");
        assertTrue(lines.get(lines.size() - 1).contains("input cut short"), "the scan was interrupted: " + r.out());
    }

    @Test
    void findFromJsonCarriesEveryBlockAndTheSnakeCaseLoss() throws IOException {
        CliRun r = CliRun.of("find", "--from", CliRun.fixture("poolfind-2.txt"), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode first = j.get("outstanding").get(0);
        assertEquals("826fa130", first.get("block").asText());
        assertEquals(0xc0, first.get("size").asLong());
        assertEquals("NonPaged", first.get("pool").asText());
        assertEquals(true, j.get("loss").get("truncated").asBoolean());
        assertEquals(j.get("count").asInt(), j.get("outstanding").size());
        assertEquals(2, j.get("free_blocks_skipped").asInt());
    }

    /**
     * A real x64 {@code !poolfind amda -nonpaged} (Nick Kuo, 2024): 22 blocks in the large pool table and 9 in the
     * nonpaged scan, the author's "... All 0x140 nonpaged" elision (one skipped line) and a "...terminating" end.
     * 0x18f0*2 + 0x3f0*2 + 0x140*23 + 0x300 + 0x3420 + 0x730 + 0x3d0 = 39072 bytes.
     */
    @Test
    void findFromARealX64PoolfindCountsEveryBlockAndTheElision() throws IOException {
        CliRun r = CliRun.of("find", "--from", CliRun.fixture("poolfind-amda-kuo.txt"), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(31, j.get("count").asInt());
        assertEquals(31, j.get("outstanding").size());
        assertEquals("ffffda0ff9791000", j.get("outstanding").get(0).get("block").asText());
        assertEquals(0x18f0, j.get("outstanding").get(0).get("size").asLong());
        long bytes = 0;
        for (JsonNode o : j.get("outstanding")) {
            bytes += o.get("size").asLong();
        }
        assertEquals(39072, bytes);
        assertEquals(1, j.get("loss").get("skipped_records").asLong(), "the '... All 0x140 nonpaged' line");
        assertEquals(true, j.get("loss").get("truncated").asBoolean());
    }

    /** The same post's {@code !poolused 2}: amda leads NonPaged with 5768754 allocations, 1938325232 bytes. */
    @Test
    void poolusedFromTheSamePostLeadsWithItsLeakingTag() {
        CliRun r = CliRun.of("poolused", "--from", CliRun.fixture("poolused-amda-kuo.txt"), "2");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.outLines();
        int first = 0;
        while (!lines.get(first).startsWith(" amda")) {
            first++;
        }
        assertEquals(List.of("amda", "5768754", "1938325232", "32", "9360"),
                List.of(lines.get(first).split("\t")[0].trim().split("\\s+")));
        assertTrue(lines.get(first + 1).startsWith(" IoWI   5769999    646239888"), r.out());
        assertTrue(r.out().contains(" TOTAL 11674807   3332732624       1601      6494608"), r.out());
    }

    @Test
    void verifierListsOutstandingAllocationsByTagSizeAndCaller() {
        String f = CliRun.fixture("verifier-2.txt");
        CliRun r = CliRun.of("verifier", f);
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.outLines();
        assertEquals("fffff9800157efc0 : tag Vprt, size      0x3c, caller fffff88002c62963, driver videoprt.sys, line "
                + lineOf(f, "fffff9800157efc0"), lines.get(2));
        assertTrue(r.out().contains("6 allocations, 304 bytes"), r.out());
        assertTrue(lines.contains(" usbp  fffff88004215e34  usbport.sys       3    168"), r.out());
        assertTrue(r.out().contains("input cut short"), "the capture elides rows with ...: " + r.out());
    }

    @Test
    void verifierJsonFiltersByTag() throws IOException {
        CliRun r = CliRun.of("verifier", CliRun.fixture("verifier-2.txt"), "Vprt", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(3, j.get("count").asInt());
        assertEquals(0x3c + 0x34 + 0x18, j.get("bytes").asLong());
        assertEquals("fffff88002c62963", j.get("by_tag_and_caller").get(0).get("caller").asText());
        assertEquals(2, j.get("by_tag_and_caller").get(0).get("count").asInt());
    }

    @Test
    void aCaptureOfAnotherKindIsOneLine() {
        CliRun r = CliRun.of("verifier", CliRun.fixture("poolfind-2.txt"));
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    private static int lineOf(String file, String text) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(java.nio.file.Path.of(file));
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).startsWith(text)) {
                    return i + 1;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException(text);
    }

    @Test
    void cgroupOptionsOnACaptureAreOneLineNotIgnored() {
        for (String[] extra : new String[][] {{"--tag-by", "cgroup"}, {"--tag-by", "cgroup", "--cgroup", "/pods/*"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("find", "--from",
                    CliRun.fixture("poolfind-2.txt")));
            args.addAll(java.util.List.of(extra));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.exit(), r.out() + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("is a Windows !poolfind capture (no cgroups)"), r.err());
            assertEquals("", r.out());
        }
    }
}
