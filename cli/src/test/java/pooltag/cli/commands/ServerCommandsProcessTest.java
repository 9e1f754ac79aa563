package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.engine.testkit.Live;
import pooltag.cli.Main;

/**
 * {@code pooltag exporter} and {@code pooltag serve} as the user runs them: a child JVM on the live kernel, port 0,
 * the address read from the line each prints at start, one request, then SIGTERM (the shutdown hook closes the
 * server) and the exit code.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ServerCommandsProcessTest {
    static final Pattern URL = Pattern.compile("http://(127\\.0\\.0\\.1:\\d+)/");

    static String java() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static String firstUrl(Process p) throws Exception {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        return firstUrlIn(urlLine(p, err));
    }

    /**
     * The first line of {@code err} with a loopback URL in it, within the first 10: a host without cgroup accounting
     * (or some other partial facility) gets a one-line notice before the exporter's start-up line.
     */
    static String urlLine(Process p, BufferedReader err) throws Exception {
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            String line = err.readLine();
            if (line == null) {
                fail("the command printed no URL and exited with " + p.waitFor() + "; it printed: " + seen);
            }
            if (URL.matcher(line).find()) {
                return line;
            }
            seen.append(line).append('\n');
        }
        return fail("no URL in the first 10 lines: " + seen);
    }

    static String firstUrlIn(String line) {
        Matcher m = URL.matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static Process start(String... args) throws Exception {
        String[] cmd = new String[args.length + 5];
        cmd[0] = java();
        cmd[1] = "--enable-native-access=ALL-UNNAMED"; // as the launcher: tracing reads through the FFM API
        cmd[2] = "-cp";
        cmd[3] = System.getProperty("java.class.path");
        cmd[4] = Main.class.getName();
        System.arraycopy(args, 0, cmd, 5, args.length);
        return new ProcessBuilder(cmd).start();
    }

    static void stopCleanly(Process p) throws Exception {
        p.destroy(); // SIGTERM: the shutdown hook releases the latch and the server closes
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not stop within 20 s of SIGTERM");
        }
    }

    @Test
    void exporterCommandServesMetricsAndStopsOnSigterm() throws Exception {
        Live.assumeLive();
        Process p = start("exporter", "--listen", "127.0.0.1:0", "--top", "7");
        try {
            String hostPort = firstUrl(p);
            HttpResponse<String> r = get("http://" + hostPort + "/metrics");
            assertEquals(200, r.statusCode());
            long series = r.body().lines().filter(l -> l.startsWith("pooltag_tag_bytes{")).count();
            assertEquals(7 + 2, series, "procfs puts each cache in one pool: 7 tags + one other per pool, got " + series);
            // A client that starts a request and never ends it is cut off at the request deadline, as serve's are:
            // the JDK server's limits were set only by serve's class, so the exporter's had none in a real process.
            int colon = hostPort.lastIndexOf(':');
            try (java.net.Socket slow = new java.net.Socket(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1)))) {
                slow.setSoTimeout((pooltag.cli.http.HttpServerLimits.REQUEST_SECONDS + 15) * 1000);
                slow.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(
                        StandardCharsets.US_ASCII));
                slow.getOutputStream().flush();
                long t0 = System.nanoTime();
                try {
                    assertEquals(-1, slow.getInputStream().read(), "no answer to a request never finished");
                } catch (java.net.SocketException reset) {
                    // closed by the server: as good as EOF
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < (pooltag.cli.http.HttpServerLimits.REQUEST_SECONDS + 10) * 1000L,
                        "the unfinished request was closed after " + ms + " ms");
            }
        } finally {
            stopCleanly(p);
        }
    }

    @Test
    void serveCommandServesThePageAndStopsOnSigterm() throws Exception {
        Live.assumeLive();
        Process p = start("serve", "--listen", "127.0.0.1:0", "--interval", "0.5");
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            String line = err.readLine();
            assertTrue(line != null && line.contains("/?token="), "serve prints the address with the token: " + line);
            String hostPort = firstUrlIn(line);
            String token = line.substring(line.indexOf("?token=") + 7).trim();
            HttpResponse<String> asked = get("http://" + hostPort + "/");
            assertEquals(401, asked.statusCode(), "without the token / only asks for it");
            assertFalse(asked.body().contains(token));
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                    + hostPort + "/")).header("X-Pooltag-Token", token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<canvas id=\"usage-chart\""));
            assertEquals(200, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + hostPort
                    + "/api/poolused?flags=4")).header("X-Pooltag-Token", token).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            stopCleanly(p);
        }
    }
}
