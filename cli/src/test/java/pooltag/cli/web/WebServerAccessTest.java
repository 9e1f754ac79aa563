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

/** The token rules of {@link Access}, over HTTP against a running server on loopback (the token is always needed). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebServerAccessTest {
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final WebServer.Options OPTIONS = new WebServer.Options(60_000, 10);

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
        String status = pooltag.cli.http.RawAnswer.ask(w.port(), "GET /api/info HTTP/1.1\r\nHost: " + host
                + "\r\nX-Pooltag-Token: " + w.token() + "\r\nConnection: close\r\n\r\n").status();
        return Integer.parseInt(status.split(" ")[1]);
    }

    @Test
    void withoutTheTokenSlashIsAFormThatAsksForItAndNothingMore() throws Exception {
        try (WebServer w = start(OPTIONS, FakeServices.with(new FakeServices.Hit(), new FakeServices.Hunt()))) {
            HttpResponse<String> r = send(w, "GET", "/");
            assertEquals(401, r.statusCode());
            assertTrue(r.body().contains("<form method=\"get\" action=\"/\">") && r.body().contains("name=\"token\""),
                    r.body());
            assertFalse(r.body().contains(w.token()) || r.body().contains("<script") || r.body().contains("/api/")
                    || r.body().contains("pooltag-token"), r.body());
            assertEquals(401, send(w, "GET", "/?token=wrong").statusCode());
        }
    }

    /** No GET reaches a state change, whatever its path, token or not; the POSTs with the token do. */
    @Test
    void noGetChangesStateAndPollsNeverStartAHunt() throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        FakeServices.Hunt hunt = new FakeServices.Hunt();
        try (WebServer w = start(OPTIONS, FakeServices.with(hit, hunt))) {
            for (String path : List.of("/api/hunt", "/api/hunt/start", "/api/hit", "/api/hit/arm", "/api/hit/clear",
                    "/api/open", "/api/hunt?start=1")) {
                for (int i = 0; i < 3; i++) {
                    int st = send(w, "GET", path, "X-Pooltag-Token", w.token()).statusCode();
                    assertTrue(st == 200 || st == 405 || st == 501, path + " answered " + st);
                    send(w, "GET", path); // and without the token
                }
            }
            assertEquals(List.of(), hunt.starts, "no GET started a hunt");
            assertEquals(List.of(), hit.calls, "no GET armed or cleared a hit");
            HttpResponse<String> started = send(w, "POST", "/api/hunt/start", "X-Pooltag-Token", w.token());
            assertEquals(200, started.statusCode(), started.body());
            assertTrue(started.body().contains("\"running\" : false"), started.body());
            assertEquals(List.of("start"), hunt.starts, "the control: a POST with the token starts one");
        }
    }

    @Test
    void malformedJsonIsA400WithOneLine() throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        try (WebServer w = start(OPTIONS, FakeServices.with(hit, null))) {
            for (String body : List.of("{\"tag\": ", "{tag: filp}", "\u0000\u0001", "[1,2", "\"x\" \"y\"")) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port()
                        + "/api/hit/arm")).header("X-Pooltag-Token", w.token())
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(400, r.statusCode(), body + " -> " + r.body());
                String error = pooltag.cli.render.Json.MAPPER.readTree(r.body()).path("error").asText();
                assertFalse(error.contains("\n"), "one line: " + error);
                assertTrue(error.startsWith("bad JSON in the request body") || error.startsWith("arm needs a"),
                        error);
            }
            assertEquals(List.of(), hit.calls);
        }
    }

    @Test
    void aBodyOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        try (WebServer w = start(OPTIONS, FakeServices.with(new FakeServices.Hit(), null))) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port()
                    + "/api/hit/arm")).header("X-Pooltag-Token", w.token())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"tag\":\"" + "a".repeat(5000) + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, r.statusCode());
            assertTrue(r.body().contains("request body larger than 4096 bytes"), r.body());
        }
    }

    /**
     * Clients that send half a request and stall hold a connection each until the request deadline, never a worker:
     * a real request still answers at once, and the stalled connections are closed by the deadline.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void stalledClientsPinNoWorkerAndAreCutAtTheDeadline() throws Exception {
        try (WebServer w = start(OPTIONS, WebServices.none())) {
            List<java.net.Socket> stalled = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), w.port());
                    s.getOutputStream().write(("POST /api/hit/arm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + (i % 2 == 0 ? "" : "X-Pooltag-Token: " + w.token() + "\r\nContent-Length: 100\r\n\r\n{"))
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                Thread.sleep(500);
                long t0 = System.nanoTime();
                assertEquals(200, send(w, "GET", "/api/info", "X-Pooltag-Token", w.token()).statusCode());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 5_000, "a real request waited " + ms + " ms behind 16 stalled ones");
                java.net.Socket first = stalled.get(0);
                first.setSoTimeout((WebServer.REQUEST_SECONDS + 20) * 1000);
                long c0 = System.nanoTime();
                int got = first.getInputStream().read();
                long cutMs = (System.nanoTime() - c0) / 1_000_000;
                assertEquals(-1, got, "the stalled request is closed, not answered");
                assertTrue(cutMs < (WebServer.REQUEST_SECONDS + 15) * 1000L, "closed after " + cutMs + " ms");
            } finally {
                for (java.net.Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    /** The TagString filter is a glob matched in linear time: a backtracking pattern answers at once. */
    @Test
    void aHostileTagPatternAnswersAtOnce() throws Exception {
        try (WebServer w = start(OPTIONS, WebServices.none())) {
            String hostile = java.net.URLEncoder.encode("*?".repeat(1500) + "Z", java.nio.charset.StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            HttpResponse<String> r = send(w, "GET", "/api/poolused?flags=0&tag=" + hostile, "X-Pooltag-Token", w.token());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(ms < 3_000, "took " + ms + " ms");
        }
    }

    @Test
    void withoutTheTokenEveryRequestIsRefused() throws Exception {
        try (WebServer w = start(OPTIONS, WebServices.none())) {
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
        try (WebServer w = start(OPTIONS, WebServices.none())) {
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
        for (WebServer.Options o : List.of(OPTIONS)) {
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
    void onLoopbackOnlyLoopbackHostNamesAreServed() throws Exception {
        try (WebServer w = start(OPTIONS, WebServices.none())) {
            assertEquals(401, send(w, "GET", "/api/info").statusCode(), "loopback needs the token too");
            assertEquals(403, rawGetStatus(w, "attacker.example:8080"));
            assertEquals(403, rawGetStatus(w, "127.0.0.1.attacker.example"));
            assertEquals(200, rawGetStatus(w, "localhost:" + w.port()));
            assertEquals(200, rawGetStatus(w, "[::1]:" + w.port()));
        }
    }

    @Test
    void kernelAddressesAreNeverServed() throws Exception {
        try (WebServer w = start(OPTIONS, WebServices.none())) {
            for (String path : List.of("/api/poolused?flags=2", "/api/history?top=5")) {
                HttpResponse<String> r = send(w, "GET", path, "X-Pooltag-Token", w.token());
                assertEquals(200, r.statusCode());
                assertTrue(r.body().contains("vmalloc:<addr>"), r.body());
                assertFalse(r.body().toLowerCase().contains("ffffffff") || r.body().contains("ffffc900"), r.body());
            }
        }
    }

    @Test
    void viewsWithoutAServiceSayNotAvailableInThisBuild() throws Exception {
        try (WebServer w = start(OPTIONS, WebServices.none())) {
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
        try (WebServer w = start(OPTIONS, WebServices.none())) {
            HttpResponse<String> r = send(w, "GET", "/api/poolused?flags=6", "X-Pooltag-Token", w.token());
            assertEquals(400, r.statusCode());
            assertTrue(r.body().contains("Flags 0x2 and 0x4 cannot be combined"), r.body());
        }
    }
}
