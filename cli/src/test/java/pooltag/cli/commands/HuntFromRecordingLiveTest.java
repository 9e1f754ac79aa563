package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.leaks.LeakChild;
import pooltag.cli.render.Json;
import pooltag.engine.testkit.Live;

/**
 * The same verdicts offline (issue 15 item 4): a leak started in a test-made cgroup, with a churning child in a
 * second one; one live {@code hunt --tag-by cgroup --record FILE} both ranks and records that run; then
 * {@code hunt --from FILE --tag-by cgroup} ranks the recording. Both must name the leaking cgroup at rank 1 among
 * this test's cgroups and give the same ranking: the same suspects (kind, tag, leak verdict, outstanding count) and
 * the same findings (cause, cause tag, verdict) in the same order. {@code find --from FILE} lists the leaker's pipes
 * charged to its cgroup, and {@code report FILE --tag-by cgroup} ranks the cgroup's outstanding allocations.
 * Judges only this test's children; the recording lives in a temporary directory.
 */
class HuntFromRecordingLiveTest {
    @TempDir
    Path dir;

    private final List<LeakChild> leakers = new ArrayList<>();
    private TestCgroups cgroups;

    @AfterEach
    void cleanUp() throws Exception {
        TestCgroups.cleanUp(leakers, cgroups);
    }

    /** What "the same ranking" compares: every suspect's kind, tag, verdict and count, every finding's cause. */
    static List<String> ranking(JsonNode report) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : report.get("findings")) {
            out.add("finding " + f.get("cause").asText() + " / " + f.get("cause_tag").asText() + " leak="
                    + f.get("leak").asBoolean());
        }
        for (JsonNode s : report.get("suspects")) {
            out.add(s.get("kind").asText() + " " + s.get("tag").asText() + " leak=" + s.get("leak").asBoolean()
                    + " outstanding=" + s.get("outstanding").asLong());
        }
        return out;
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theLiveHuntAndTheHuntOnItsRecordingNameTheLeakingCgroupAndRankAlike() throws Exception {
        Live.assumeLive();
        HuntLiveTest.needsTracing();
        cgroups = TestCgroups.underOwn();
        String leakCg = cgroups.make("leak");
        String churnCg = cgroups.make("churn");
        LeakChild leaker = CgroupHuntLiveTest.leaker(leakers);
        cgroups.move(leakCg, leaker.pid());
        cgroups.move(churnCg, cgroups.churner().pid());

        Path file = dir.resolve("hunt.ptrec");
        CompletableFuture<CliRun> hunt = CompletableFuture.supplyAsync(() -> CliRun.of("hunt", "--duration", "6s",
                "--tag-by", "cgroup", "--json", "--top", "40", "--record", file.toString()));
        HuntLiveTest.awaitTracing(300);
        leaker.go();
        CliRun live = hunt.get(150, TimeUnit.SECONDS);
        assertEquals(0, live.exit(), live.err());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        long t0 = System.nanoTime();
        CliRun offline = CliRun.of("hunt", "--from", file.toString(), "--tag-by", "cgroup", "--json", "--top", "40");
        System.out.printf("HuntFromRecordingLiveTest: hunt --from took %.1f s for %d bytes%n",
                (System.nanoTime() - t0) / 1e9, Files.size(file));
        assertEquals(0, offline.exit(), offline.err());
        JsonNode a = Json.MAPPER.readTree(live.out());
        JsonNode b = Json.MAPPER.readTree(offline.out());

        List<String> liveRanks = cgroups.assertRankOneAmongOurs(a, leakCg);
        List<String> offlineRanks = cgroups.assertRankOneAmongOurs(b, leakCg);
        System.out.println("HuntFromRecordingLiveTest: live cgroups " + liveRanks);
        System.out.println("HuntFromRecordingLiveTest: offline cgroups " + offlineRanks);
        JsonNode leak = CgroupHuntLiveTest.suspect(b, "cgroup", leakCg);
        assertTrue(leak != null && leak.get("leak").asBoolean(), "offline: the leaking cgroup is no leak: " + leak);
        CgroupHuntLiveTest.assertPipeSuspectsNameTheCgroup(b, leakCg);
        assertEquals(ranking(a), ranking(b), "the live hunt and the hunt on its recording rank alike");
        assertEquals(a.get("events").asLong(), b.get("events").asLong(), "the recording replays every event");
        // What was armed, and which sites the stack budget held back for how many periods, come from the RUN facts.
        assertEquals(a.get("armed_sites"), b.get("armed_sites"), "the recording keeps the armed sites");
        assertEquals(a.get("held_back_sites"), b.get("held_back_sites"), "the recording keeps the held-back sites");
        assertTrue(b.get("recording").get("complete").asBoolean(), b.get("recording").toString());
        assertEquals(0, b.get("recording").get("skipped_pages").asLong());

        // find --from: the leaker's pipes, charged to its cgroup, from the same file.
        CliRun find = CliRun.of("find", "--from", file.toString(), "alloc_pipe_info", "--tag-by", "cgroup", "--json");
        assertEquals(0, find.exit(), find.err());
        long inLeak = 0;
        for (JsonNode o : Json.MAPPER.readTree(find.out()).get("outstanding")) {
            if (o.get("cgroup").asText().equals(leakCg) && o.get("pid").asLong() == leaker.pid()) {
                inLeak++;
            }
        }
        assertTrue(inLeak >= 2L * CgroupHuntLiveTest.LEAKED, "find --from: " + inLeak + " pipe blocks in " + leakCg);

        // report --tag-by cgroup: the cgroup's outstanding allocations, as decided while recording.
        CliRun report = CliRun.of("report", file.toString(), "--tag-by", "cgroup", "--json");
        assertEquals(0, report.exit(), report.err());
        long outstanding = -1;
        for (JsonNode c : Json.MAPPER.readTree(report.out()).get("cgroups")) {
            if (c.get("tag").asText().equals(leakCg)) {
                outstanding = c.get("outstanding").asLong();
            }
        }
        assertTrue(outstanding >= 4L * CgroupHuntLiveTest.LEAKED, "report: " + leakCg + " outstanding " + outstanding);
    }
}
