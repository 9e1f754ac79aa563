package pooltag.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.engine.publish.WebServices;

/** The token rules of {@link Access}, over HTTP against a running server (loopback; the token forced on). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebServerAccessTest {
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final WebServer.Options FORCED = new WebServer.Options(60_000, 10, true);
    static final WebServer.Options OPEN = new WebServer.Options(60_000, 10, false);

    static UsageSnapshot snapshot() {
        return new UsageSnapshot(1, "test", List.of(
                new TagUsage("filp", TagKind.CACHE, Pool.NONPAGED, -1, -1, 211, 211 * 256, "slab cache, 256 B objects"),
                new TagUsage("vmalloc:0xffffffffc0a81234", TagKind.VMALLOC, Pool.NONPAGED, -1, -1, 3, 12288,
                        "vmalloc areas at 0xffffc90000a00000")), Loss.NONE);
    }

    static WebServer start(WebServer.Options o, WebServices s) throws Exception {
        return WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), WebServerAccessTest::snapshot, s, o);
    }

    static HttpResponse<String> send(WebServer w, String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port() + path))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{\"tag\":\"filp\"}")
                        : HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** java.net.http will not send a chosen Host header, so this speaks HTTP/1.1 over a socket. */
    static int rawGetStatus(WebServer w, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), w.port())) {
            s.getOutputStream().write(("GET /api/info HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void boundBeyondLoopbackTheTokenIsRequired() throws Exception {
        assertTrue(Access.forBind(InetAddress.getByName("10.11.12.13"), false).tokenRequired());
        assertTrue(Access.forBind(InetAddress.getByName("0.0.0.0"), false).tokenRequired());
        assertFalse(Access.forBind(InetAddress.getByName("127.0.0.1"), false).tokenRequired());
        assertFalse(Access.forBind(InetAddress.getByName("::1"), false).tokenRequired());
    }

    @Test
    void withoutTheTokenEveryRequestIsRefused() throws Exception {
        try (WebServer w = start(FORCED, WebServices.none())) {
            for (String path : List.of("/", "/api/info", "/api/poolused", "/static/app.js", "/api/history")) {
                HttpResponse<String> r = send(w, "GET", path);
                assertEquals(401, r.statusCode(), path);
                assertFalse(r.body().contains(w.token()), "a refusal must not leak the token");
            }
            assertEquals(401, send(w, "GET", "/api/info", "X-Pooltag-Token", "not-the-token").statusCode());
            assertEquals(401, send(w, "GET", "/api/info", "Cookie", "pooltag_token=not-the-token").statusCode());
        }
    }

    @Test
    void theTokenInTheAddressBecomesACookieThatOpensThePage() throws Exception {
        try (WebServer w = start(FORCED, WebServices.none())) {
            HttpResponse<String> r = send(w, "GET", "/?token=" + w.token());
            assertEquals(303, r.statusCode());
            assertEquals("/", r.headers().firstValue("Location").orElseThrow());
            String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
            String pair = cookie.substring(0, cookie.indexOf(';'));
            HttpResponse<String> page = send(w, "GET", "/", "Cookie", pair);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<meta name=\"pooltag-token\" content=\"" + w.token() + "\">"));
            assertEquals(200, send(w, "GET", "/api/info", "Cookie", pair).statusCode());
            assertEquals(200, send(w, "GET", "/api/info", "X-Pooltag-Token", w.token()).statusCode());
        }
    }

    @Test
    void aPostNeedsTheTokenHeaderEvenWithTheCookieAndEvenOnLoopback() throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        for (WebServer.Options o : List.of(FORCED, OPEN)) {
            try (WebServer w = start(o, FakeServices.with(hit, null))) {
                String cookie = "pooltag_token=" + w.token();
                assertEquals(403, send(w, "POST", "/api/hit/arm").statusCode());
                assertEquals(403, send(w, "POST", "/api/hit/arm", "Cookie", cookie).statusCode());
                assertEquals(List.of(), hit.calls, "refused POSTs must not reach the service");
                HttpResponse<String> ok = send(w, "POST", "/api/hit/arm", "X-Pooltag-Token", w.token());
                assertEquals(200, ok.statusCode(), ok.body());
                assertEquals(List.of("arm filp"), hit.calls);
                hit.calls.clear();
                assertEquals(405, send(w, "GET", "/api/hit/arm", "X-Pooltag-Token", w.token()).statusCode());
            }
        }
    }

    @Test
    void onLoopbackThePageIsOpenButOnlyToLoopbackHostNames() throws Exception {
        try (WebServer w = start(OPEN, WebServices.none())) {
            assertEquals(200, send(w, "GET", "/api/info").statusCode());
            assertEquals(403, rawGetStatus(w, "attacker.example:8080"));
            assertEquals(403, rawGetStatus(w, "127.0.0.1.attacker.example"));
            assertEquals(200, rawGetStatus(w, "localhost:" + w.port()));
            assertEquals(200, rawGetStatus(w, "[::1]:" + w.port()));
        }
    }

    @Test
    void kernelAddressesAreNeverServed() throws Exception {
        try (WebServer w = start(OPEN, WebServices.none())) {
            for (String path : List.of("/api/poolused?flags=2", "/api/history?top=5")) {
                HttpResponse<String> r = send(w, "GET", path);
                assertEquals(200, r.statusCode());
                assertTrue(r.body().contains("vmalloc:<addr>"), r.body());
                assertFalse(r.body().toLowerCase().contains("ffffffff") || r.body().contains("ffffc900"), r.body());
            }
        }
    }

    @Test
    void viewsWithoutAServiceSayNotAvailableInThisBuild() throws Exception {
        try (WebServer w = start(OPEN, WebServices.none())) {
            for (String[] m : new String[][] {{"GET", "/api/hit"}, {"GET", "/api/hunt"}, {"POST", "/api/open"},
                    {"POST", "/api/hit/arm"}}) {
                HttpResponse<String> r = send(w, m[0], m[1], "X-Pooltag-Token", w.token());
                assertEquals(501, r.statusCode(), m[1]);
                assertTrue(r.body().contains("\"available\" : false") && r.body().contains("not available on this server"),
                        r.body());
            }
        }
    }

    @Test
    void badFlagsAnswer400WithWinDbgWording() throws Exception {
        try (WebServer w = start(OPEN, WebServices.none())) {
            HttpResponse<String> r = send(w, "GET", "/api/poolused?flags=6");
            assertEquals(400, r.statusCode());
            assertTrue(r.body().contains("Flags 0x2 and 0x4 cannot be combined"), r.body());
        }
    }
}
