package pooltag.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Another local account (nobody, no groups, via {@code setpriv}) against a server started by root on loopback: it
 * reaches the port, but gets neither the token nor the API, and cannot change state. It also finds no token in the
 * server's command line. The control: the same requests with the token succeed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebServerSecondUserTest {
    /** Runs curl as nobody; returns "STATUS\nBODY". */
    static String curlAsNobody(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid", "nobody", "--regid", "nogroup",
                "--clear-groups", "curl", "-s", "-m", "10", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + "\n" + out.substring(0, Math.max(0, nl));
    }

    @Test
    void aSecondLocalUserCannotReachTheApiNorGetTheToken() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "setpriv to another user needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/curl")),
                "setpriv and curl are needed (util-linux, curl)");
        FakeServices.Hit hit = new FakeServices.Hit();
        FakeServices.Hunt hunt = new FakeServices.Hunt();
        try (WebServer w = WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                WebServerAccessTest::snapshot, FakeServices.with(hit, hunt), new WebServer.Options(60_000, 10))) {
            String base = "http://127.0.0.1:" + w.port();
            String id = curlAsNobody("-o", "/dev/null", base + "/");
            assertTrue(id.startsWith("401"), "nobody reaches the port and is asked for the token: " + id);
            String page = curlAsNobody(base + "/");
            assertFalse(page.contains(w.token()), "the page without the token has no token");
            for (String path : List.of("/api/info", "/api/poolused", "/api/history", "/api/hit", "/api/hunt",
                    "/static/app.js")) {
                String r = curlAsNobody(base + path);
                assertTrue(r.startsWith("401"), path + " -> " + r);
                assertFalse(r.contains(w.token()));
            }
            for (String path : List.of("/api/hunt/start", "/api/hit/arm", "/api/hit/clear", "/api/open")) {
                String r = curlAsNobody("-X", "POST", "-H", "Content-Type: application/json", "-d", "{\"tag\":\"filp\"}",
                        "-b", "pooltag_token=guess", "-H", "X-Pooltag-Token: guess", base + path);
                assertTrue(r.startsWith("403"), path + " -> " + r);
            }
            String rebind = curlAsNobody("-H", "Host: evil.example", base + "/api/info");
            assertTrue(rebind.startsWith("403"), rebind);
            assertEquals(List.of(), hit.calls);
            assertEquals(List.of(), hunt.starts);
            // What nobody can read of this process: its command line carries no token.
            String cmdline = Files.readString(Path.of("/proc/self/cmdline"), StandardCharsets.ISO_8859_1);
            assertFalse(cmdline.contains(w.token()));

            // The control: with the token (which only the starter saw), the same account gets through.
            String ok = curlAsNobody("-X", "POST", "-H", "X-Pooltag-Token: " + w.token(), base + "/api/hunt/start");
            assertTrue(ok.startsWith("200"), ok);
            assertEquals(List.of("start"), hunt.starts);
        }
    }
}
