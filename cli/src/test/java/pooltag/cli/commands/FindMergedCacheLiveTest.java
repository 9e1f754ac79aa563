package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.leaks.LeakChild;
import pooltag.cli.render.Json;

/**
 * A cache SLUB merged into another has no row in /proc/slabinfo, and its kmem_cache events carry the name of the
 * cache it joined: {@code find UNIX} said "no cache matches" on this VM, where UNIX (the unix socket cache) is a link
 * to {@code :A-0001152}. Now it resolves to the cache its events name and says so. The leaker's 200 unix sockets are
 * the ground truth (leaks/GROUND-TRUTH.md: one {@code sk_prot_alloc} per socket(2)): exactly 200 of its blocks at
 * that site, whatever the cache is called here. On a kernel that does not merge UNIX the same 200 come under UNIX
 * itself, with no note. Judges only the leaker's pid.
 */
class FindMergedCacheLiveTest {
    static final int SOCKETS = 200;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aMergedCacheNameFindsWhatItsEventsCarryUnderTheSharedCacheAndSaysSo() throws Exception {
        HuntLiveTest.needsTracing();
        boolean merged = Files.isSymbolicLink(Path.of("/sys/kernel/slab/UNIX"))
                && Files.readAllLines(Path.of("/proc/slabinfo")).stream().noneMatch(l -> l.startsWith("UNIX "));
        System.out.println("FindMergedCacheLiveTest: UNIX is " + (merged ? "merged into "
                + Files.readSymbolicLink(Path.of("/sys/kernel/slab/UNIX")) : "a cache of its own") + " here");
        try (LeakChild leaker = LeakChild.start("unix", SOCKETS, 400)) {
            CompletableFuture<CliRun> find = CompletableFuture.supplyAsync(() -> CliRun.of("find", "UNIX",
                    "--duration", "4s", "--json"));
            HuntLiveTest.awaitTracing(300);
            leaker.leak();
            CliRun r = find.get(150, TimeUnit.SECONDS);
            assertEquals(0, r.exit(), r.err());
            JsonNode j = Json.MAPPER.readTree(r.out());
            TreeMap<String, Integer> leakersByTagAndSite = new TreeMap<>();
            for (JsonNode o : j.get("outstanding")) {
                if (o.get("pid").asLong() == leaker.pid()) {
                    String site = o.get("site").asText();
                    leakersByTagAndSite.merge(o.get("tag").asText() + " " + site.replaceAll("\\+.*", ""), 1,
                            Integer::sum);
                }
            }
            System.out.println("FindMergedCacheLiveTest: the leaker's blocks by tag and site " + leakersByTagAndSite);
            if (merged) {
                String shared = j.get("merged").get("UNIX").asText();
                assertEquals(1, j.get("merged").size(), j.get("merged").toString());
                assertEquals(SOCKETS, leakersByTagAndSite.getOrDefault(shared + " sk_prot_alloc", 0),
                        "one block per socket(2) under " + shared + ": " + leakersByTagAndSite);
            } else {
                assertTrue(j.get("merged") == null, "no note for a cache of its own");
                assertEquals(SOCKETS, leakersByTagAndSite.getOrDefault("UNIX sk_prot_alloc", 0),
                        leakersByTagAndSite.toString());
            }
        }
    }
}
