package pooltag.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import pooltag.cli.leaks.LeakChild;
import pooltag.engine.testkit.Live;
import pooltag.cli.exporter.Exporter;
import pooltag.linux.procfs.ProcfsSource;

/**
 * The fleet path end to end on the live kernel: the exporter serves procfs usage, a real Prometheus (Debian's
 * binary, started here on a free loopback port with its own config and TSDB, scraping every second) evaluates the
 * deployed growth rule with its windows shortened, and while a child process leaks pipes the rule fires for a
 * cache that pipes allocate from, and that was quiet while the same child sat idle (the control). Read back through Prometheus's HTTP API. Everything started here is
 * stopped in finally blocks.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PrometheusAlertLiveTest {
    /** Caches a pipe allocates from on Linux 6.x (measured: kmalloc-cg-1k for the pipe_buffer array, inode_cache,
     *  filp x2, dentry, pipe_inode_info via kmalloc-cg-192, lsm caches); kmalloc-* without cg on kernels without memcg. */
    static final Set<String> PIPE_CACHES = Set.of("kmalloc-cg-1k", "kmalloc-1k", "inode_cache", "filp", "dentry",
            "kmalloc-cg-192", "kmalloc-192", "pipe_inode_info", "lsm_file_cache", "lsm_inode_cache");
    /** A distinctive count under half of RLIMIT_NOFILE (20000): 9973 pipes hold 19946 descriptors. */
    static final int PIPES = 9973;
    static final int PIPES_PER_SECOND = 200;

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void growthRuleFiresForAPipeCacheWhileAChildLeaksPipes(@TempDir Path tmp) throws Exception {
        pooltag.engine.testkit.Live.assumeLive();
        Path prometheus = Tools.require("prometheus", "prometheus");
        Path rules = tmp.resolve("rules.yml");
        Files.writeString(rules, shortWindows(Files.readString(Tools.deployDir().resolve("pooltag-rules.yml"))));
        Process prom = null;
        LeakChild leaker = null;
        try (Exporter exporter = Exporter.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ProcfsSource.live()::take, null, 50, pooltag.linux.cgroup.CgroupKernelMemory.live()::take, 20)) {
            int promPort = freePort();
            Files.writeString(tmp.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files:
                      - %s
                    scrape_configs:
                      - job_name: pooltag
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(rules, exporter.port()));
            prom = new ProcessBuilder(prometheus.toString(), "--config.file=" + tmp.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort,
                    "--log.level=warn").redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            String api = "http://127.0.0.1:" + promPort;
            waitReady(api, prom, tmp.resolve("prometheus.log"));
            waitForTarget(api);

            leaker = LeakChild.start("pipe", PIPES, PIPES_PER_SECOND); // returns once it is prepared
            // Control: before the leak, with the child prepared and idle. Wait up to 30 s for no pipe cache to alert.
            // A cache that other work on the machine keeps growing may stay: it is excluded from what counts below,
            // so only a cache that started alerting with the leak can pass.
            Thread.sleep(6000);
            Set<String> idle = pipeCacheAlerts(api);
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!idle.isEmpty() && System.nanoTime() < settle) {
                Thread.sleep(1000);
                idle = pipeCacheAlerts(api);
            }
            System.out.println("PrometheusAlertLiveTest: pipe caches alerting while idle: " + idle);
            Set<String> counted = new java.util.HashSet<>(PIPE_CACHES);
            counted.removeAll(idle);
            assertTrue(counted.size() >= 3, "too few pipe caches left quiet to tell the leak from the noise: idle " + idle);
            leaker.go();

            // The leak runs for PIPES / PIPES_PER_SECOND = 50 s; the rule (20 s trend, 5 s still rising, for 3 s)
            // has to fire inside that.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PIPES / PIPES_PER_SECOND + 10);
            JsonNode hit = null;
            List<String> seen = new ArrayList<>();
            while (hit == null && System.nanoTime() < deadline) {
                assertTrue(leaker.isAlive(), "the pipe leaker died");
                for (JsonNode a : get(api + "/api/v1/alerts").path("data").path("alerts")) {
                    String tag = a.path("labels").path("tag").asText();
                    String line = a.path("labels").path("alertname").asText() + " " + tag + " " + a.path("state").asText();
                    if (!seen.contains(line)) {
                        seen.add(line);
                    }
                    if (a.path("labels").path("alertname").asText().equals("PooltagTagGrowing") && counted.contains(tag)
                            && a.path("state").asText().equals("firing")) {
                        hit = a;
                    }
                }
                if (hit == null) {
                    Thread.sleep(500);
                }
            }
            System.out.println("PrometheusAlertLiveTest: alerts seen: " + seen);
            if (hit == null) {
                fail("no PooltagTagGrowing alert firing for a pipe cache " + counted + " within the leak; alerts seen: " + seen);
            }
            System.out.println("PrometheusAlertLiveTest: " + hit.path("labels") + " state " + hit.path("state")
                    + " value " + hit.path("value"));
            // The alert's value is the 20 s trend in bytes per second. The first pipe cache to fire may be a small
            // one, and may fire before its 20 s window is full of leak (seen: 1,653 B/s for a cache that reaches
            // ~10 kB/s later); an idle cache's trend is about 0. So: clearly growing, more than 1 kB/s.
            assertTrue(Double.parseDouble(hit.path("value").asText()) > 1_000, "trend " + hit.path("value"));

            // The dashboard's queries run against the same series.
            for (String expr : GrafanaDashboardTest.expressions()) {
                String q = expr.replace("$top", "10").replace("$instance", ".*");
                JsonNode r = get(api + "/api/v1/query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
                assertEquals("success", r.path("status").asText(), q + ": " + r);
                assertNotEquals(0, r.path("data").path("result").size(), "no series for dashboard query " + q);
            }
        } finally {
            if (leaker != null) {
                leaker.close();
            }
            stop(prom);
        }
    }

    /** Pipe caches with a PooltagTagGrowing alert pending or firing now (tag names only). */
    static Set<String> pipeCacheAlerts(String api) throws IOException, InterruptedException {
        Set<String> out = new java.util.TreeSet<>();
        for (JsonNode a : get(api + "/api/v1/alerts").path("data").path("alerts")) {
            String tag = a.path("labels").path("tag").asText();
            if (a.path("labels").path("alertname").asText().equals("PooltagTagGrowing") && PIPE_CACHES.contains(tag)) {
                out.add(tag);
            }
        }
        return out;
    }

    /** The deployed rules with windows scaled from hours to seconds; the expressions are otherwise the same. */
    static String shortWindows(String rules) {
        String s = rules.replace("[1h]", "[20s]").replace("[10m]", "[5s]").replace("for: 30m", "for: 3s")
                .replace("for: 5m", "for: 3s");
        assertNotEquals(rules, s);
        assertTrue(!s.contains("[1h]") && !s.contains("[10m]") && !s.contains("for: 30m"), s);
        return s;
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    static void waitReady(String api, Process prom, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!prom.isAlive()) {
                fail("prometheus exited with " + prom.exitValue() + ": " + Files.readString(log));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("prometheus not ready within 60 s: " + Files.readString(log));
    }

    static void waitForTarget(String api) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = get(api + "/api/v1/query?query=" + URLEncoder.encode("up{job=\"pooltag\"}", StandardCharsets.UTF_8));
            JsonNode res = last.path("data").path("result");
            if (res.size() == 1 && res.get(0).path("value").get(1).asText().equals("1")) {
                return;
            }
            Thread.sleep(250);
        }
        fail("prometheus never scraped the exporter: " + last);
    }

    /** SIGTERM, then SIGKILL after 10 s; waits until the process is gone. */
    static void stop(Process p) throws InterruptedException {
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
