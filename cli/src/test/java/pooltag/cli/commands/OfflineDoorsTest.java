package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.render.Json;

/**
 * {@code hunt --from}, {@code find --from} and {@code report --tag-by} on a recording made before recordings carried
 * samples, pool kinds and cgroups (linux's real-pages.ptrec): it still reads, with the answers {@code report} gives;
 * asking it for cgroups it does not carry is one line and exit 2; {@code find --from} tells a recording from a
 * {@code !poolfind} capture by content, not by name.
 */
class OfflineDoorsTest {
    @TempDir
    Path dir;

    @Test
    void findFromARecordingListsWhatReportCountsOutstanding() throws Exception {
        CliRun r = CliRun.of("find", "--from", ReportCommandTest.REAL, "kmalloc-64", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode n = Json.MAPPER.readTree(r.out());
        long outstanding = ReportCommandTest.realTags().get("kmalloc-64")[2];
        assertEquals(outstanding, n.get("count").asLong(), r.out());
        assertEquals(ReportCommandTest.realTags().get("kmalloc-64")[4], n.get("bytes").asLong());
        assertTrue(n.get("recording").get("complete").asBoolean());
        assertEquals(0, n.get("loss").get("lost_events").asLong());
        // By content: the same file renamed like a capture is still a recording.
        Path renamed = dir.resolve("poolfind.txt");
        Files.copy(Path.of(ReportCommandTest.REAL), renamed);
        CliRun again = CliRun.of("find", "--from", renamed.toString(), "kmalloc-64", "--json");
        assertEquals(outstanding, Json.MAPPER.readTree(again.out()).get("count").asLong(), again.err());
    }

    /**
     * A wildcard resolves against the caches the recording's events named too (this one keeps no slabinfo): it used
     * to match nothing. Each block's line names its own cache, not the pattern, as !poolfind names a block's tag.
     */
    @Test
    void findFromARecordingTakesAWildcardAndNamesEachBlocksOwnCache() throws Exception {
        CliRun r = CliRun.of("find", "--from", ReportCommandTest.REAL, "kmalloc-*");
        assertEquals(0, r.exit(), r.err());
        long[] k64 = ReportCommandTest.realTags().get("kmalloc-64");
        long[] k96 = ReportCommandTest.realTags().get("kmalloc-96");
        List<String> blocks = r.outLines().stream().filter(l -> l.startsWith("@")).toList();
        assertEquals(k64[2] + k96[2], blocks.size(), r.out());
        assertTrue(blocks.stream().allMatch(l -> l.contains(" : tag kmalloc-64, size      0x40, ")), r.out());
        assertTrue(r.outLines().contains(blocks.size() + " allocations, " + (k64[4] + k96[4]) + " bytes"), r.out());
        CliRun j = CliRun.of("find", "--from", ReportCommandTest.REAL, "kmalloc-*", "--json");
        JsonNode n = Json.MAPPER.readTree(j.out());
        assertEquals(blocks.size(), n.get("count").asLong());
        assertEquals("kmalloc-64", n.get("outstanding").get(0).get("tag").asText());
    }

    /** Without a TAG a recording is refused in one line that says what to give (not "or --from FILE", given). */
    @Test
    void findFromARecordingWithoutATagSaysWhatToGive() {
        CliRun r = CliRun.of("find", "--from", ReportCommandTest.REAL);
        assertEquals(2, r.exit(), r.err());
        assertEquals("pooltag: find --from " + ReportCommandTest.REAL + ": a recording needs the TAG to list (a cache"
                + " such as kmalloc-64, a function such as alloc_pipe_info); only a !poolfind capture lists every tag"
                + " by default\n", r.err());
    }

    @Test
    void huntFromAnOldRecordingRanksWhatItHoldsAndSaysSo() throws Exception {
        CliRun r = CliRun.of("hunt", "--from", ReportCommandTest.REAL, "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode n = Json.MAPPER.readTree(r.out());
        JsonNode rec = n.get("recording");
        assertTrue(rec.get("complete").asBoolean(), rec.toString());
        assertEquals(0, rec.get("skipped_pages").asLong());
        assertTrue(n.get("events").asLong() > 0, "the events were replayed");
        assertEquals(rec.get("events").asLong(), n.get("events").asLong());
        assertFalse(n.get("leak_found").asBoolean(), "a second of background activity is no leak");
        CliRun text = CliRun.of("hunt", "--from", ReportCommandTest.REAL);
        assertTrue(text.out().startsWith("recording " + ReportCommandTest.REAL + ": complete;"), text.out());
    }

    @Test
    void cgroupsARecordingDoesNotCarryAreOneLineAndExit2() {
        for (String[] args : new String[][] {
                {"hunt", "--from", ReportCommandTest.REAL, "--tag-by", "cgroup"},
                {"find", "--from", ReportCommandTest.REAL, "kmalloc-64", "--tag-by", "cgroup"},
                {"report", ReportCommandTest.REAL, "--tag-by", "cgroup"}}) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("carries no cgroup decisions"), r.err());
        }
        CliRun both = CliRun.of("hunt", "--from", ReportCommandTest.REAL, "--record", dir.resolve("x").toString());
        assertEquals(2, both.exit(), both.err());
        assertFalse(Files.exists(dir.resolve("x")), "no file made");
        CliRun bad = CliRun.of("report", ReportCommandTest.REAL, "--tag-by", "pid");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--tag-by takes cgroup, cgroup,cache or cgroup,site"), bad.err());
    }
}
