package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code pooltag report} over the two committed recordings of a real 6.18 kernel, with every figure pinned: the
 * per-tag counts were taken from the report before it replayed into the core ledger, and must not change with the
 * engine under it. Known answers: {allocs, frees, outstanding, bytes allocated, outstanding bytes} per tag.
 */
class ReportCommandTest {
    static final String REAL = "../linux/src/test/resources/real-pages.ptrec";
    static final String BENCH = "../bench/src/main/resources/kmem-pages.ptrec";

    static Map<String, long[]> realTags() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("kmalloc-64", new long[]{818, 795, 23, 52352, 1472});
        m.put("kmalloc-96", new long[]{178, 178, 0, 17088, 0});
        m.put("names_cache", new long[]{175, 175, 0, 716800, 0});
        m.put("filp", new long[]{59, 56, 3, 11328, 576});
        m.put("lsm_file_cache", new long[]{59, 56, 3, 1416, 72});
        return m;
    }

    static Map<String, long[]> benchTags() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("kmalloc-64", new long[]{11705, 11664, 41, 749120, 2624});
        m.put("kmalloc-96", new long[]{4700, 4686, 14, 451200, 1344});
        m.put("names_cache", new long[]{3866, 3866, 0, 15835136, 0});
        m.put("filp", new long[]{1318, 1310, 8, 253056, 1536});
        m.put("lsm_file_cache", new long[]{1318, 1310, 8, 31632, 192});
        m.put("buffer_head", new long[]{510, 0, 510, 53040, 53040});
        m.put("kmalloc-128", new long[]{95, 95, 0, 12160, 0});
        m.put("maple_node", new long[]{31, 0, 31, 7936, 7936});
        m.put("vm_area_struct", new long[]{26, 10, 16, 4992, 3072});
        m.put("anon_vma_chain", new long[]{8, 1, 7, 512, 448});
        m.put("anon_vma", new long[]{4, 0, 4, 416, 416});
        m.put("kmalloc-192", new long[]{3, 3, 0, 576, 0});
        m.put("radix_tree_node", new long[]{2, 0, 2, 1168, 1168});
        return m;
    }

    static JsonNode json(String file) throws Exception {
        CliRun r = CliRun.of("report", "--json", file);
        assertEquals(0, r.exit(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    /** The tag rows, in the order printed (most allocations first, then by name). */
    static void assertTags(Map<String, long[]> expected, JsonNode tags) {
        assertEquals(expected.size(), tags.size(), tags.toString());
        List<String> names = List.copyOf(expected.keySet());
        for (int i = 0; i < tags.size(); i++) {
            JsonNode t = tags.get(i);
            String name = names.get(i);
            long[] e = expected.get(name);
            assertEquals(name, t.get("tag").asText(), "row " + i);
            assertEquals(e[0], t.get("allocs").asLong(), name + " allocs");
            assertEquals(e[1], t.get("frees").asLong(), name + " frees");
            assertEquals(e[2], t.get("outstanding").asLong(), name + " outstanding");
            assertEquals(e[3], t.get("bytes").asLong(), name + " bytes");
            assertEquals(e[4], t.get("outstanding_bytes").asLong(), name + " outstanding bytes");
        }
    }

    /** Call-site rows add up to the same totals as the tag rows (every allocation has one site). */
    static void assertSitesSum(JsonNode sites, long allocs, long frees, long bytes, long outstandingBytes) {
        long a = 0, f = 0, b = 0, ob = 0;
        for (JsonNode s : sites) {
            a += s.get("allocs").asLong();
            f += s.get("frees").asLong();
            b += s.get("bytes").asLong();
            ob += s.get("outstanding_bytes").asLong();
        }
        assertEquals(allocs, a, "site allocs");
        assertEquals(frees, f, "site frees");
        assertEquals(bytes, b, "site bytes");
        assertEquals(outstandingBytes, ob, "site outstanding bytes");
    }

    @Test
    void realRecordingCountsArePinned() throws Exception {
        JsonNode d = json(REAL);
        assertEquals(2740, d.get("total_events").asLong());
        assertEquals(996, d.at("/events/kmalloc").asLong());
        assertEquals(1154, d.at("/events/kfree").asLong());
        assertEquals(293, d.at("/events/kmem_cache_alloc").asLong());
        assertEquals(297, d.at("/events/kmem_cache_free").asLong());
        assertEquals(0, d.at("/loss/lost_events").asLong(-1));
        assertEquals(131, d.at("/loss/unpaired_frees").asLong());
        assertTrue(d.at("/health/complete").asBoolean());
        // the health fields of every door (find --from, hunt --from, the web page), in their order, then report's own
        List<String> fields = new ArrayList<>();
        d.get("health").fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("complete", "cut_short", "damaged_blocks", "first_damage", "pages", "file_bytes", "lost_events", "skipped_bytes",
                "skipped_pages", "malformed_records", "unknown_blocks", "out_of_order_events", "forced_drains",
                "disk_full", "disk_full_pages_dropped", "other_events", "first_error", "symbols_loaded"), fields);
        assertTrue(d.at("/health/disk_full").isNull(), "the recorder never met a full disk");
        assertEquals(0, d.at("/health/disk_full_pages_dropped").asLong(-1));
        assertEquals(0, d.at("/health/lost_events").asLong(-1));
        assertTrue(d.at("/health/cut_short").isNull());
        assertTags(realTags(), d.get("tags"));
        assertSitesSum(d.get("call_sites"), 1289, 1260, 798984, 2120);
    }

    /**
     * One flipped byte at 78,000 (inside the PAGE block at 77,112) costs that block only: report, hunt --from and
     * find --from read on past it, count it once (text and JSON), name it, and exit 1. Before, the replay stopped
     * there: 1,102 of 2,740 events, 77,800 bytes skipped.
     */
    @Test
    void aDamagedBlockIsSkippedAloneAndCountedOnceByEveryDoor() throws Exception {
        byte[] all = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(REAL));
        all[78000] ^= (byte) 0xff;
        java.nio.file.Path bad = java.nio.file.Files.createTempFile("damaged", ".ptrec");
        try {
            java.nio.file.Files.write(bad, all);
            CliRun t = CliRun.of("report", bad.toString());
            assertEquals(1, t.exit(), t.err());
            assertEquals("recording " + bad + ": DAMAGED (PAGE block at byte 77112 fails its CRC-32; 1 damaged block"
                    + " skipped)", t.outLines().get(0));
            assertTrue(t.out().contains("events: 2595 total;"), t.out()); // 2740 less the block's 145
            assertTrue(t.out().contains("health: damaged; skipped bytes 4100, skipped pages 1, damaged blocks 1,"),
                    t.out());
            CliRun j = CliRun.of("report", "--json", bad.toString());
            assertEquals(1, j.exit(), j.err());
            JsonNode d = new ObjectMapper().readTree(j.out());
            assertEquals(2595, d.get("total_events").asLong());
            assertEquals(false, d.at("/health/complete").asBoolean(true));
            assertTrue(d.at("/health/cut_short").isNull(), "the END block was read");
            assertEquals(1, d.at("/health/damaged_blocks").asLong());
            assertEquals("PAGE block at byte 77112 fails its CRC-32", d.at("/health/first_damage").asText());
            assertEquals(4100, d.at("/health/skipped_bytes").asLong());
            assertEquals(1, d.at("/health/skipped_pages").asLong());
            assertTrue(d.at("/loss/truncated").asBoolean());
            for (String door : new String[]{"hunt", "find"}) {
                CliRun h = door.equals("hunt") ? CliRun.of("hunt", "--from", bad.toString(), "--json")
                        : CliRun.of("find", "--from", bad.toString(), "kmalloc-64", "--json");
                JsonNode rec = new ObjectMapper().readTree(h.out()).get("recording");
                assertEquals(1, rec.get("damaged_blocks").asLong(), door + ": " + h.out());
                assertEquals(4100, rec.get("skipped_bytes").asLong(), door);
                assertEquals(2595, rec.get("events").asLong(), door);
                assertEquals(false, rec.get("complete").asBoolean(true), door);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(bad);
        }
    }

    @Test
    void benchRecordingCountsArePinned() throws Exception {
        JsonNode d = json(BENCH);
        assertEquals(47885, d.get("total_events").asLong());
        assertEquals(0, d.at("/loss/lost_events").asLong(-1));
        assertEquals(80, d.at("/loss/unpaired_frees").asLong());
        assertTags(benchTags(), d.get("tags"));
        assertSitesSum(d.get("call_sites"), 23586, 22945, 17400944, 71776);
    }

    @Test
    void aCapBelowTheOutstandingCountEvictsTheOldestAndSaysHowMany() throws Exception {
        CliRun r = CliRun.of("report", "--json", "--max-outstanding", "16", BENCH);
        assertEquals(0, r.exit(), r.err());
        JsonNode d = new ObjectMapper().readTree(r.out());
        long outstanding = d.at("/pairing/outstanding").asLong();
        long evicted = d.at("/loss/evicted_outstanding").asLong();
        assertTrue(outstanding <= 16, "outstanding " + outstanding);
        assertEquals(16, d.at("/loss/max_outstanding").asLong());
        assertEquals(23586, d.at("/pairing/allocs").asLong(), "every allocation is still counted");
        // Without the cap 641 stay outstanding; the frees of evicted blocks now find nothing to pair with.
        assertEquals(641 - outstanding, evicted - (d.at("/loss/unpaired_frees").asLong() - 80));
        long live = 0;
        for (JsonNode t : d.get("tags")) {
            live += t.get("outstanding").asLong();
        }
        assertEquals(outstanding, live);
        CliRun text = CliRun.of("report", "--max-outstanding", "16", BENCH);
        assertTrue(text.out().contains("evicted outstanding " + evicted + " (cap 16)"), text.out());
    }

    @Test
    void aBadCapIsOneLineNamingTheOption() {
        CliRun r = CliRun.of("report", "--max-outstanding", "lots", REAL);
        assertEquals(2, r.exit());
        assertEquals("pooltag: bad --max-outstanding 'lots': expected a count such as 500000, 500k or 2M",
                r.err().strip());
    }

    @Test
    void textPrintsTheSameRowsAndTheLoss() {
        CliRun r = CliRun.of("report", REAL);
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().map(l -> l.trim().replaceAll(" +", " ")).toList();
        assertTrue(lines.contains("kmalloc-64 818 795 23 52352 1472"), r.out());
        assertTrue(lines.contains("lsm_file_cache 59 56 3 1416 72"), r.out());
        assertTrue(r.out().contains("lost events: 0 (kernel stats 0, page headers 0, pages flagged 0); "
                + "unpaired frees 131"), r.out());
    }
}
