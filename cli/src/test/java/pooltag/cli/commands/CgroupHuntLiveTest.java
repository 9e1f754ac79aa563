package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.leaks.LeakChild;
import pooltag.cli.render.Json;
import pooltag.engine.testkit.Live;

/**
 * "Which container leaks kernel memory", on this kernel: the test makes two cgroups ({@link TestCgroups}), moves a
 * child that leaks pipes into one and a child that churns pipes (opens and closes them) into the other; then checks
 * that {@code hunt --tag-by cgroup} calls the leaking cgroup a leak ranked first among the cgroups this test made
 * (other tenants of this busy machine may leak in their own cgroups: they are listed, never judged), that the
 * churning one is not a leak, that the pipe suspects name the leaking cgroup as their top holder, and that
 * {@code poolused --by cgroup} shows the leaking cgroup's own kernel memory growing. Cleanup kills the children and
 * removes both cgroups, on failure too.
 */
class CgroupHuntLiveTest {
    static final int LEAKED = 499;
    static final int LEAK_TOTAL = 1499;

    private final List<LeakChild> leakers = new ArrayList<>();
    private TestCgroups cgroups;

    @AfterEach
    void cleanUp() throws Exception {
        TestCgroups.cleanUp(leakers, cgroups);
    }

    /** The corpus's pipe leaker (pipe2, 200 per second), prepared and waiting for GO. */
    static LeakChild leaker(List<LeakChild> into) throws Exception {
        LeakChild p = LeakChild.start("pipe", LEAK_TOTAL, 200);
        into.add(p);
        return p;
    }

    static long ownKernelBytes(String cgroup) throws Exception {
        CliRun r = CliRun.of("poolused", "--by", "cgroup", "--json", cgroup);
        assertEquals(0, r.exit(), r.err());
        JsonNode rows = Json.MAPPER.readTree(r.out()).get("cgroups");
        assertEquals(1, rows.size(), r.out());
        return rows.get(0).get("own_total_bytes").asLong();
    }

    /** The pipe suspects called a leak name {@code leakCg} as their top holder, with most of their bytes. */
    static void assertPipeSuspectsNameTheCgroup(JsonNode report, String leakCg) {
        boolean named = false;
        for (JsonNode s : report.get("suspects")) {
            if (List.of("alloc_pipe_info", "kmalloc-cg-1k", "kmalloc-cg-192").contains(s.get("tag").asText())
                    && s.get("leak").asBoolean()) {
                JsonNode top = s.get("cgroups").get(0);
                assertEquals(leakCg, top.get("cgroup").asText(), s.get("tag") + " held by " + s.get("cgroups"));
                assertTrue(top.get("share").asDouble() > 0.5, s.get("tag") + " held by " + s.get("cgroups"));
                named = true;
            }
        }
        assertTrue(named, "no pipe suspect called a leak with its cgroups");
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void theHuntNamesTheCgroupThatLeaksAndPoolusedShowsItGrowing() throws Exception {
        Live.assumeLive();
        HuntLiveTest.needsTracing();
        cgroups = TestCgroups.underOwn();
        String leakCg = cgroups.make("leak");
        String churnCg = cgroups.make("churn");
        LeakChild leaker = leaker(leakers);
        cgroups.move(leakCg, leaker.pid());
        cgroups.move(churnCg, cgroups.churner().pid());

        long before = ownKernelBytes(leakCg);
        CompletableFuture<CliRun> hunt = CompletableFuture.supplyAsync(
                () -> CliRun.of("hunt", "--duration", "6s", "--tag-by", "cgroup", "--json", "--top", "40"));
        HuntLiveTest.awaitTracing(300);
        leaker.go();
        CliRun r = hunt.get(150, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        long after = ownKernelBytes(leakCg);
        JsonNode report = Json.MAPPER.readTree(r.out());

        // Ranking among the cgroups: ours first among the ones this test made; the churner no leak.
        List<String> ranks = cgroups.assertRankOneAmongOurs(report, leakCg);
        System.out.println("CgroupHuntLiveTest: cgroups ranked " + ranks);
        JsonNode leakSuspect = suspect(report, "cgroup", leakCg);
        JsonNode churnSuspect = suspect(report, "cgroup", churnCg);
        assertNotNull(leakSuspect, "the leaking cgroup " + leakCg + " is not ranked: " + ranks);
        assertTrue(leakSuspect.get("leak").asBoolean(), "not called a leak: " + ranks + "; its evidence: "
                + leakSuspect.get("evidence"));
        assertTrue(leakSuspect.get("outstanding").asLong() >= 2L * LEAKED, "outstanding " + leakSuspect);
        assertTrue(churnSuspect == null || !churnSuspect.get("leak").asBoolean(), "churn called a leak: " + ranks);

        // The pipe suspects name the container: the leaking cgroup holds most of their outstanding bytes.
        assertPipeSuspectsNameTheCgroup(report, leakCg);

        // poolused --by cgroup: the kernel's own accounting saw the leak too (a pipe charges > 1 KiB: its buffer
        // array from kmalloc-cg-1k, pipe_inode_info, two files).
        System.out.println("CgroupHuntLiveTest: " + leakCg + " own kernel bytes " + before + " -> " + after);
        assertTrue(after - before >= 1024L * LEAKED, "own kernel bytes " + before + " -> " + after);
        assertEquals(0, report.get("loss").get("lost_events").asLong(), "events lost");
    }

    /** The first suspect of {@code kind} named {@code tag}, or null. */
    static JsonNode suspect(JsonNode report, String kind, String tag) {
        for (JsonNode s : report.get("suspects")) {
            if (s.get("kind").asText().equals(kind) && s.get("tag").asText().equals(tag)) {
                return s;
            }
        }
        return null;
    }
}
