package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.render.Json;

/**
 * Hunts replayed from recordings a black-box pass made on this machine with its own leaker and the bpftrace oracle
 * (src/test/resources/blackbox/SOURCES.md): the verdicts must agree with the oracle, not with what this project's
 * own leakers taught the ranking.
 */
class HuntBlackBoxRecordingsTest {
    private static String resource(String name) {
        try {
            return Path.of(HuntBlackBoxRecordingsTest.class.getResource("/blackbox/" + name).toURI()).toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource blackbox/" + name, e);
        }
    }

    private static List<JsonNode> leaks(JsonNode report) {
        List<JsonNode> out = new ArrayList<>();
        report.get("findings").forEach(f -> {
            if (f.get("leak").asBoolean()) {
                out.add(f);
            }
        });
        return out;
    }

    /** {@code hunt --from} a recording of this folder, as JSON, asserting that it ran and found exactly one leak. */
    private static JsonNode huntWithOneLeak(String recording) throws Exception {
        CliRun r = CliRun.of("hunt", "--from", resource(recording), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(1, leaks(j).size(), r.out());
        return j;
    }

    /** One column of a finding's member rows, keyed "cache site". */
    private static <V> java.util.Map<String, V> memberColumn(JsonNode finding, String column,
                                                            java.util.function.Function<JsonNode, V> value) {
        java.util.Map<String, V> out = new java.util.TreeMap<>();
        finding.get("members").forEach(m -> out.put(m.get("cache").asText() + " " + m.get("site").asText(),
                value.apply(m.get(column))));
        return out;
    }

    /** Oracle: 800 kmalloc-256 objects from __do_sys_timerfd_create, held. One leak, its cause row exact. */
    @Test
    void eightHundredTimerfdsAreTheOneLeakWithTheOraclesCount() throws Exception {
        CliRun r = CliRun.of("hunt", "--from", resource("timerfd-800.ptrec"), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        List<JsonNode> leaks = leaks(j);
        assertEquals(1, leaks.size(), "one leak; the rest is the busy machine's own growth: " + r.out());
        JsonNode f = leaks.get(0);
        assertEquals("timerfd_create", f.get("cause").asText());
        assertEquals("__do_sys_timerfd_create", f.get("cause_tag").asText());
        JsonNode cause = f.get("members").get(0);
        assertEquals("cause", cause.get("role").asText());
        assertEquals("kmalloc-256", cause.get("cache").asText());
        assertEquals(800, cause.get("outstanding").asLong(), "the oracle's 800");
        // The recording's /sys/kernel/slab (SLAB_SYSFS) says lsm_file_cache is merged: a member's cache name is its
        // first creator's, and the why says what else it holds.
        assertTrue(f.get("why").get("lines").toString().contains("merged cache: lsm_file_cache also holds"
                + " fsnotify_mark_connector"), f.get("why").toString());
        assertEquals(0, j.get("loss").get("lost_events").asLong());
    }

    /**
     * A process that started near the hunt's end and mapped memory for about a second: a burst, no leak. Every member
     * of a burst rises in lockstep, so companions may not lift it (it was a LEAK at 0.67 from 0.34).
     */
    @Test
    void aBurstNearTheEndOfAnIdleHuntIsNoLeak() throws Exception {
        CliRun r = CliRun.of("hunt", "--from", resource("idle-burst.ptrec"), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(List.of(), leaks(j), r.out());
        JsonNode burst = null;
        for (JsonNode f : j.get("findings")) {
            if (f.get("cause_tag").asText().equals("__anon_vma_prepare")
                    && f.get("why").get("lines").toString().contains("no lift: the cause grew for only 1.0 s")) {
                burst = f;
            }
        }
        assertTrue(burst != null, "the burst is told as one: " + r.out());
        assertEquals(6, burst.get("why").get("companions").asInt(), "six companions in lockstep, none lifting it");
        assertTrue(burst.get("confidence").asDouble() < 0.35, "the burst: " + burst.get("confidence"));
        CliRun text = CliRun.of("hunt", "--from", resource("idle-burst.ptrec"));
        assertTrue(text.out().contains("No leak found: no finding reached confidence 0.50"), text.out());
    }

    /**
     * A real Linux 6.1 kernel (Debian 12's), whose kmem_cache_alloc names no cache: 600 pipes, held (the leaker's own
     * count). The cause row is exact; the caches one cache has the sizes of are named, as slabtop names them, and the
     * others say which caches they may be, never a name that is only a guess.
     */
    @Test
    void sixHundredPipesOnLinux61NameTheirCachesBySize() throws Exception {
        JsonNode j = huntWithOneLeak("pipe600-linux-6.1.ptrec");
        JsonNode f = leaks(j).get(0);
        assertEquals("alloc_pipe_info", f.get("cause_tag").asText());
        java.util.Map<String, Long> byRow = memberColumn(f, "outstanding", JsonNode::asLong);
        java.util.Map<String, String> pool = memberColumn(f, "pool", JsonNode::asText);
        // 600 pipes: one pipe_inode_info (kmalloc-cg-192) and one pipe_buffer array (kmalloc-cg-1k) each
        assertEquals(600L, byRow.get("kmalloc-cg-1k alloc_pipe_info"), byRow.toString());
        assertEquals(600L, byRow.get("kmalloc-cg-192 alloc_pipe_info"), byRow.toString());
        // named by their sizes (632/640 is inode_cache's alone): 600 inodes, Paged as its reclaim_account says
        assertEquals(600L, byRow.get("inode_cache alloc_inode"), byRow.toString());
        assertEquals("Paged", pool.get("inode_cache alloc_inode"));
        // two files a pipe, plus the few the system opened meanwhile
        assertEquals(1204L, byRow.get("lsm_file_cache security_file_alloc"), byRow.toString());
        assertEquals(601L, byRow.get("lsm_inode_cache security_inode_alloc"), byRow.toString());
        // sizes several caches share: tagged by the caches they may be. 256/256 accounted is filp's (SLAB_ACCOUNT,
        // ':A-0000256') or fsverity_info's (a directory of its own, flags unseen), not maple_node's (':0000256')
        assertEquals(1204L, byRow.get("filp|fsverity_info __alloc_file"), byRow.toString());
        assertEquals(601L, byRow.get("dentry|proc_dir_entry __d_alloc"), byRow.toString());
        String why = f.get("why").get("lines").toString();
        assertTrue(why.contains("unnamed cache: filp|fsverity_info is one of filp fsverity_info ("), why);
        assertTrue(why.contains("unnamed cache: dentry|proc_dir_entry is one of dentry proc_dir_entry ("), why);
        assertEquals(0, j.get("loss").get("lost_events").asLong());
    }

    /** !poolfind on that recording by a cache its events never name: inode_cache's 600 inodes, one per pipe. */
    @Test
    void findOnLinux61FindsACacheItsEventsNeverName() {
        CliRun r = CliRun.of("find", "inode_cache", "--from", resource("pipe600-linux-6.1.ptrec"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\n600 allocations, 384000 bytes\n"), r.out());
    }

    /**
     * Debian 11's 5.10: node events, no kmalloc-cg caches, no accounted field. The same 600 pipes, held (the leaker's
     * count): accounted kmallocs are told by the plain caches this kernel has, and the sizes name inode_cache.
     */
    @Test
    void sixHundredPipesOnLinux510() throws Exception {
        JsonNode j = huntWithOneLeak("pipe600-linux-5.10.ptrec");
        java.util.Map<String, Long> byRow = memberColumn(leaks(j).get(0), "outstanding", JsonNode::asLong);
        assertEquals("alloc_pipe_info", leaks(j).get(0).get("cause_tag").asText());
        assertEquals(600L, byRow.get("kmalloc-1k alloc_pipe_info"), byRow.toString());
        assertEquals(600L, byRow.get("kmalloc-192 alloc_pipe_info"), byRow.toString());
        assertEquals(600L, byRow.get("inode_cache alloc_inode"), byRow.toString());
        assertEquals(1205L, byRow.get("filp|fsverity_info|pool_workqueue __alloc_file"), byRow.toString());
        assertEquals(601L, byRow.get("dentry|proc_dir_entry|skbuff_ext_cache __d_alloc"), byRow.toString());
        assertEquals(0, j.get("loss").get("lost_events").asLong());
        assertEquals(260, j.get("loss").get("unpaired_frees").asLong(), "frees of objects made before the recording");
    }
}
