package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.cli.live.TracefsInstances;
import pooltag.engine.testkit.Live;
import pooltag.linux.tracefs.InstanceOwner;
import pooltag.linux.tracefs.Tracefs;

/**
 * The tracing commands that took no buffer options before (kd, exporter --trace, serve's hit and hunt views) give
 * {@code --buffer-kb} to the kernel: the private instance's {@code buffer_size_kb}, read while the command runs, is the
 * size asked for and not the default (46,875 KiB), and the command states it. The kernel rounds a size up to whole
 * sub-buffers of data (4,080 B of a 4 KiB page, 65,520 B of a 64 KiB sub-buffer), so it reads back as 1,536 to 1,599
 * KiB for {@value #KB}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a refusal that stopped refusing would serve (exporter) until killed
class BufferOptionsCommandsTest {
    static final int KB = 1536;

    /** What the kernel reports for {@value #KB} KiB asked: at least that, at most one 64 KiB sub-buffer more. */
    static void assertSized(Path instance) throws Exception {
        String text = Files.readString(instance.resolve("buffer_size_kb")).trim();
        int kb = Integer.parseInt(text.split("\\s+")[0]);
        assertTrue(kb >= KB && kb <= KB + 64, instance + "/buffer_size_kb is " + text + ", asked " + KB);
    }

    /** A child pooltag's instance ({@link InstanceOwner#instanceName()} of its pid), waited for up to 30 s. */
    static Path instanceOf(Process p) throws Exception {
        Path instance = TracefsInstances.dir().resolve(InstanceOwner.of(p.pid()).instanceName());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.isDirectory(instance)) {
            assertTrue(p.isAlive(), "the command exited before tracing");
            assertTrue(System.nanoTime() < deadline, "no instance " + instance + " within 30 s");
            Thread.sleep(20);
        }
        return instance;
    }

    static void awaitGone(Path instance) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Files.exists(instance)) {
            assertTrue(System.nanoTime() < deadline, instance + " still there 30 s on");
            Thread.sleep(20);
        }
    }

    /** Where a run traces nothing, either option typed (its default value too) is one line and exit 2. */
    @Test
    void runsThatTraceNothingRefuseTheBufferOptionsInOneLine() {
        String head = "pooltag: --buffer-kb and --rate size the live kernel's trace buffer; ";
        assertRefused(head + "--recording replays a file",
                "kd", "--recording", "/nonexistent/x.ptrec", "--buffer-kb", "2048", "-c", "q");
        assertRefused(head + "without --trace the exporter traces nothing",
                "exporter", "--rate", "100000", "--listen", "127.0.0.1:0");
        assertRefused(head + "without --trace the exporter traces nothing",
                "exporter", "--buffer-kb", "0", "--listen", "127.0.0.1:0");
        assertRefused(head + "--from replays a file", "hunt", "--from", "/nonexistent/x.ptrec", "--buffer-kb", "4096");
        assertRefused(head + "--from reads a file", "find", "--from", "/nonexistent/x.ptrec", "--rate", "3000000", "x");
        assertRefused(head + "without --trace mon reads procfs and traces nothing",
                "mon", "--batch", "--count", "1", "--rate", "500000");
        CliRun bad = CliRun.of("exporter", "--trace", "--buffer-kb", "-5", "--listen", "127.0.0.1:0");
        assertNotEquals(0, bad.exit(), bad.err());
        assertTrue(bad.err().strip().startsWith("pooltag: --buffer-kb -5: use 1..4194304 KiB per CPU"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
    }

    private static void assertRefused(String line, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
        assertEquals(line, r.err().strip(), String.join(" ", args));
    }

    @Test
    void kdTracesWithTheBufferAskedAndSaysSo() throws Exception {
        Tracefs fs = Live.tracefsOrSkip();
        Path instance = Live.ownInstance(fs);
        KdLiveTest.Console c = KdLiveTest.Console.start("--buffer-kb", Integer.toString(KB));
        try {
            c.sync(60); // the console runs: the target is open and tracing
            assertSized(instance);
            assertTrue(c.err.toString().contains("buffer 1,536 KiB per CPU (--buffer-kb)"), c.err.toString());
            c.quitRemoving(instance);
        } finally {
            c.end();
        }
    }

    @Test
    void exporterTraceUsesTheBufferAskedAndSaysSo() throws Exception {
        Live.tracefsOrSkip();
        Process p = ServerCommandsProcessTest.start("exporter", "--trace", "--listen", "127.0.0.1:0",
                "--buffer-kb", Integer.toString(KB));
        Path instance = null;
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            String line = ServerCommandsProcessTest.urlLine(p, err);
            assertTrue(line.contains("buffer 1,536 KiB per CPU (--buffer-kb)"), line);
            instance = instanceOf(p);
            assertSized(instance);
            String hostPort = ServerCommandsProcessTest.firstUrlIn(line);
            assertEquals(200, ServerCommandsProcessTest.get("http://" + hostPort + "/metrics").statusCode());
        } finally {
            ServerCommandsProcessTest.stopCleanly(p);
        }
        awaitGone(instance);
    }

    @Test
    void serveHitAndHuntViewsUseTheBufferAskedAndSaySo() throws Exception {
        Live.tracefsOrSkip();
        Process p = ServerCommandsProcessTest.start("serve", "--listen", "127.0.0.1:0", "--hunt-duration", "5s",
                "--buffer-kb", Integer.toString(KB));
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            String first = err.readLine();
            assertTrue(first != null && first.contains("/?token="), String.valueOf(first));
            String hostPort = ServerCommandsProcessTest.firstUrlIn(first);
            String token = first.substring(first.indexOf("?token=") + 7).trim();
            err.readLine(); // keep the token private
            String third = err.readLine();
            assertTrue(third != null && third.contains("hit view traces kmem events with a buffer 1,536 KiB per CPU"
                    + " (--buffer-kb); the hunt view with a buffer 1,536 KiB per CPU (--buffer-kb), read in 64 KiB"
                    + " sub-buffers"), String.valueOf(third));

            HttpResponse<String> armed = post(hostPort, token, "/api/hit/arm", "{\"tag\": \"dentry\"}");
            assertEquals(200, armed.statusCode(), armed.body());
            Path hit = instanceOf(p);
            assertSized(hit);
            assertEquals(200, post(hostPort, token, "/api/hit/clear", "").statusCode());
            awaitGone(hit);

            HttpResponse<String> started = post(hostPort, token, "/api/hunt/start", "");
            assertEquals(200, started.statusCode(), started.body());
            Path hunt = instanceOf(p);
            HuntLiveTest.awaitTracing(hunt, 0); // the start answers at once; the hunt sizes its buffer, then traces
            assertSized(hunt);
            awaitGone(hunt); // the 5 s hunt ends and takes its instance with it
            // Its report answers in the command's words, and says whether that is a leak.
            com.fasterxml.jackson.databind.JsonNode report = null;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (report == null || report.path("running").asBoolean(true)) {
                assertTrue(System.nanoTime() < deadline, "the hunt did not finish: " + report);
                Thread.sleep(100);
                report = pooltag.cli.render.Json.MAPPER.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + hostPort + "/api/hunt")).header("X-Pooltag-Token", token).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
            }
            String verdict = report.path("verdict").asText();
            boolean leak = report.path("leak_found").asBoolean();
            assertTrue(leak ? verdict.matches("\\d+ leaks? found at or above confidence 0\\.\\d\\d")
                    : verdict.startsWith("No leak found: no finding reached confidence "), report.toString());
            assertTrue(report.path("notes").isArray(), report.toString());
            // A second hunt: while it runs the view has no answer yet, not the first hunt's.
            var again = pooltag.cli.render.Json.MAPPER.readTree(post(hostPort, token, "/api/hunt/start", "").body());
            assertTrue(again.path("running").asBoolean(), again.toString());
            assertEquals("", again.path("verdict").asText("missing"), again.toString());
            assertEquals(0, again.path("suspects").size(), again.toString());
            awaitGone(instanceOf(p));
        } finally {
            ServerCommandsProcessTest.stopCleanly(p);
        }
    }

    private static HttpResponse<String> post(String hostPort, String token, String path, String body)
            throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                .header("X-Pooltag-Token", token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
