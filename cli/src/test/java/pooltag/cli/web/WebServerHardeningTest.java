package pooltag.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.cli.http.HttpAnswers;
import pooltag.cli.http.RawAnswer;
import pooltag.cli.render.Json;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.engine.publish.CaptureService;
import pooltag.engine.publish.FileCaptureService;
import pooltag.engine.publish.WebServices;

/**
 * What a hostile or careless client can send the server: uploads past the memory budget, lying lengths, methods and
 * Host values it does not serve, input that error messages echo, and arm requests that must not disturb an armed tag.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebServerHardeningTest {
    static final Path REAL = Path.of("../linux/src/test/resources/real-pages.ptrec");

    static WebServer start(CaptureService capture) throws Exception {
        return WebServerAccessTest.start(WebServerAccessTest.OPTIONS,
                new WebServices(Optional.empty(), Optional.empty(), Optional.of(capture)));
    }

    /** Speaks HTTP/1.1 over a socket and reads the whole answer to EOF (the JDK client will not send these). */
    static String raw(WebServer w, String request) throws Exception {
        return RawAnswer.wire(w.port(), request);
    }

    static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    static HttpResponse<String> open(WebServer w, String query, byte[] body) throws Exception {
        return WebServerAccessTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port()
                        + "/api/open" + query)).header("X-Pooltag-Token", w.token())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(WebServer w, String path) throws Exception {
        return WebServerAccessTest.send(w, "GET", path, "X-Pooltag-Token", w.token());
    }

    static String error(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body()).path("error").asText();
    }

    // ---- 1. upload budget ----

    @Test
    void theUploadCapIsAThirtySecondOfTheHeapAt64MiBAtMost() {
        assertEquals(64 << 20, WebServer.uploadCap(8L << 30));
        assertEquals(64 << 20, WebServer.uploadCap(2L << 30));
        assertEquals(16 << 20, WebServer.uploadCap(512L << 20));
        assertEquals(2 << 20, WebServer.uploadCap(64L << 20));
    }

    /** A capture service that holds every upload until released: uploads in flight, as a slow parse keeps them. */
    static final class Blocking implements CaptureService {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(2);
        final List<String> names = new ArrayList<>();

        @Override
        public UsageSnapshot open(String fileName, byte[] content) {
            synchronized (names) {
                names.add(fileName);
            }
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return WebServerAccessTest.snapshot();
        }
    }

    @Test
    void atMostTwoUploadsAreParsedAtOnceAndAThirdIsA503WithRetryAfter() throws Exception {
        Blocking capture = new Blocking();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (WebServer w = start(capture)) {
            List<Future<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String q = "?name=slow" + i;
                inFlight.add(pool.submit(() -> open(w, q, "x".getBytes(StandardCharsets.UTF_8))));
            }
            assertTrue(capture.entered.await(10, TimeUnit.SECONDS));
            HttpResponse<String> third = open(w, "?name=third", "x".getBytes(StandardCharsets.UTF_8));
            assertEquals(503, third.statusCode(), third.body());
            assertEquals(Optional.of("5"), third.headers().firstValue("Retry-After"));
            assertTrue(error(third).startsWith("the server is already opening 2 files"), third.body());
            assertFalse(third.body().contains("\n  \"error\" : \"\n"));
            capture.release.countDown();
            for (Future<HttpResponse<String>> f : inFlight) {
                assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
            }
            // the slots are given back: the next upload is parsed
            assertEquals(200, open(w, "?name=later", "x".getBytes(StandardCharsets.UTF_8)).statusCode());
            assertEquals(3, capture.names.size(), capture.names.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- 2. lengths refused when the headers are read ----

    @Test
    void aHugeContentLengthIsA413AtOnceNotAfterTheRequestDeadline() throws Exception {
        try (WebServer w = start(new Blocking())) {
            for (String path : List.of("/api/open?name=x", "/api/hit/arm", "/api/hunt/start")) {
                long t0 = System.nanoTime();
                String r = raw(w, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pooltag-Token: " + w.token()
                        + "\r\nContent-Length: 1000000000000000000\r\n\r\n");
                double s = (System.nanoTime() - t0) / 1e9;
                assertEquals(413, status(r), r);
                assertTrue(body(r).contains("request body larger than"), r);
                // the old code answered only when the 10 s request deadline closed the connection
                assertTrue(s < 3, path + ": answered and closed after " + s + " s");
            }
        }
    }

    /**
     * A body within an upload's size but over its own path's limit is not drained either: the refusal read up to
     * 64 MiB to nowhere on any path, so a request that never sent its body was answered only at the 10 s deadline.
     */
    @Test
    void aBodyOverItsPathsLimitIsRefusedAtOnceEvenWithinAnUploadsSize() throws Exception {
        try (WebServer w = start(new Blocking())) {
            for (String path : List.of("/api/hit/arm", "/api/info", "/api/hunt/start")) {
                long t0 = System.nanoTime();
                String r = raw(w, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Length: " + WebServer.MAX_UPLOAD + "\r\n\r\n");
                double s = (System.nanoTime() - t0) / 1e9;
                assertEquals(413, status(r), r);
                assertTrue(s < 3, path + ": answered and closed after " + s + " s");
            }
        }
    }

    @Test
    void anUploadOverTheCapIsRefusedWithoutReadingIt() throws Exception {
        Blocking capture = new Blocking();
        try (WebServer w = start(capture)) {
            long cap = WebServer.uploadCap(Runtime.getRuntime().maxMemory());
            String r = raw(w, "POST /api/open?name=x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pooltag-Token: " + w.token()
                    + "\r\nContent-Length: " + (cap + 1) + "\r\n\r\nabc");
            assertEquals(413, status(r), r);
            assertTrue(body(r).contains("larger than " + cap + " bytes"), r);
            assertEquals(List.of(), capture.names);
        }
    }

    // ---- 3, 4. the user's name, and a recording's loss ----

    @Test
    void anOpenedCaptureIsNamedAsUploadedNotByItsTemporaryCopy() throws Exception {
        byte[] capture = Files.readAllBytes(Path.of("../windows/src/test/resources")
                .resolve(findCapture()));
        try (WebServer w = start(new FileCaptureService())) {
            HttpResponse<String> r = open(w, "?name=my%20capture.txt&flags=4", capture);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode j = Json.MAPPER.readTree(r.body());
            assertEquals("my capture.txt", j.path("source").asText());
            assertFalse(r.body().contains("pooltag-upload-"), r.body());
            assertTrue(j.path("recording").isNull(), r.body());
        }
    }

    static String findCapture() throws Exception {
        try (var s = Files.walk(Path.of("../windows/src/test/resources"))) {
            return Path.of("../windows/src/test/resources").relativize(s.filter(p -> p.getFileName().toString()
                    .matches("(?i).*poolused.*\\.txt")).sorted().findFirst().orElseThrow()).toString();
        }
    }

    @Test
    void aCutShortRecordingSaysSoWithItsReasonAndWhatWasSkipped() throws Exception {
        byte[] whole = Files.readAllBytes(REAL);
        try (WebServer w = start(new FileCaptureService())) {
            HttpResponse<String> full = open(w, "?name=whole.ptrec", whole);
            assertEquals(200, full.statusCode(), full.body());
            JsonNode f = Json.MAPPER.readTree(full.body());
            assertTrue(f.path("recording").path("complete").asBoolean(), full.body());
            assertEquals("whole.ptrec", f.path("source").asText());

            HttpResponse<String> r = open(w, "?name=cut.ptrec", Arrays.copyOf(whole, whole.length * 2 / 3));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode j = Json.MAPPER.readTree(r.body());
            assertEquals("cut.ptrec", j.path("source").asText());
            assertTrue(j.path("loss").path("truncated").asBoolean(), r.body());
            JsonNode rec = j.path("recording");
            assertFalse(rec.path("complete").asBoolean(), r.body());
            assertFalse(rec.path("cut_short").asText().isEmpty(), r.body());
            assertFalse(rec.path("cut_short").asText().contains("pooltag-upload-"), r.body());
            assertTrue(rec.has("skipped_bytes") && rec.has("skipped_pages") && rec.has("malformed_records"), r.body());
        }
    }

    @Test
    void thePageShowsTheOpenedFilesLoss() throws Exception {
        String js = new String(WebServer.class.getClassLoader().getResourceAsStream("pooltag/web/app.js")
                .readAllBytes(), StandardCharsets.UTF_8);
        String openFile = js.substring(js.indexOf("async function openFile"), js.indexOf("async function start()"));
        assertTrue(openFile.contains("lossText(r.body.loss)"), openFile);
        assertTrue(openFile.contains("CUT SHORT (") && openFile.contains("rec.cut_short"), openFile);
        assertFalse(openFile.contains("f.name + ': '"), "the page names the file by the server's source");
    }

    // ---- 5. messages echo input as typed, bounded, on one line ----

    @Test
    void errorMessagesEchoInputAsTypedBoundedAndOnOneLine() throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        try (WebServer w = WebServerAccessTest.start(WebServerAccessTest.OPTIONS, FakeServices.with(hit, null))) {
            HttpResponse<String> top = get(w, "/api/history?top=99999999999999999999");
            assertEquals(400, top.statusCode());
            assertEquals("top must be a number, was '99999999999999999999'", error(top));

            HttpResponse<String> flags = get(w, "/api/poolused?flags=-1");
            assertEquals(400, flags.statusCode());
            assertFalse(error(flags).contains("<addr>"), error(flags));
            assertTrue(error(flags).contains("'-1'"), error(flags));
            HttpResponse<String> bits = get(w, "/api/poolused?flags=ffffff0");
            assertTrue(error(bits).contains("'ffffff0'"), error(bits));

            HttpResponse<String> longTag = arm(w, "{\"tag\":\"" + "a".repeat(4000) + "\"}");
            assertEquals(400, longTag.statusCode());
            assertTrue(error(longTag).startsWith("hit tag '" + "a".repeat(64) + "...'"), error(longTag));
            assertTrue(error(longTag).length() < 200, error(longTag));

            HttpResponse<String> newline = arm(w, "{\"tag\":\"filp\\nx\"}");
            assertEquals(400, newline.statusCode());
            assertTrue(error(newline).contains("'filp\\nx'"), error(newline));

            HttpResponse<String> bigNumber = arm(w, "{\"tag\":" + "1".repeat(1200) + "}");
            assertEquals(400, bigNumber.statusCode());
            assertTrue(error(bigNumber).startsWith("bad JSON in the request body"), error(bigNumber));
            assertFalse(error(bigNumber).contains("Constraints") || error(bigNumber).contains("()"), error(bigNumber));
            HttpResponse<String> cut = arm(w, "{\"tag\":\n\"filp\"");
            assertEquals("bad JSON in the request body at line 2 column 7", error(cut));

            // A bad %-escape: the JDK's server answers 400 ("URISyntaxException thrown") before any handler; what
            // reaches a handler never carries URLDecoder's words
            for (String target : List.of("/api/poolused?tag=%zz", "/api/poolused?tag=%2", "/?token=%zz")) {
                String r = raw(w, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pooltag-Token: " + w.token()
                        + "\r\nConnection: close\r\n\r\n");
                assertEquals(400, status(r), r);
                assertFalse(r.contains("URLDecoder") || r.contains("at index"), r);
            }

            // a real kernel address is still masked
            assertEquals("at <addr> and <addr>", WebServer.errorText("at 0xffffffffc0a1b2c3 and ffff8881234abcd0"));
            assertEquals("0x1f and 123456789012345", WebServer.errorText("0x1f and 123456789012345"));
            assertEquals(List.of(), hit.calls);
        }
    }

    static HttpResponse<String> arm(WebServer w, String json) throws Exception {
        return WebServerAccessTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port()
                        + "/api/hit/arm")).header("X-Pooltag-Token", w.token())
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- 6. odd arm bodies ----

    @Test
    void armTakesExactlyOneObjectWithAStringTag() throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        try (WebServer w = WebServerAccessTest.start(WebServerAccessTest.OPTIONS, FakeServices.with(hit, null))) {
            for (String body : List.of("{\"tag\":123}", "{\"tag\":\"filp\"} garbage", "{\"tag\":\"filp\"}{}",
                    "{\"tag\":\"fi\\u0000lp\"}", "{\"tag\":[\"filp\"]}", "[\"filp\"]", "{\"tag\":null}")) {
                HttpResponse<String> r = arm(w, body);
                assertEquals(400, r.statusCode(), body + " -> " + r.body());
                assertFalse(error(r).contains("\n") || error(r).contains("\u0000"), error(r));
            }
            assertEquals(List.of(), hit.calls);
            assertEquals(200, arm(w, "{\"tag\":\" filp \"}").statusCode());
            assertEquals(List.of("arm filp"), hit.calls);
        }
    }

    /**
     * One connection takes request after request, whatever each was answered, until an answer says it closes: a GET
     * (its empty body stream must be read to its end, or the server closed the connection after the answer without
     * saying so), a 405 from an upload address (whose handler reads no body), a refused upload small enough to be
     * read away, arm bodies over their limit but within HttpAnswers.REFUSED_BODY_DRAIN (declared, and chunked, which
     * a client such as curl sends whole before reading: closing on it drew a reset that threw the 413 away), then one
     * declared longer: refused unread, with Connection: close, and nothing after it.
     */
    @Test
    void oneConnectionTakesRequestAfterRequestUntilAnAnswerSaysItCloses() throws Exception {
        try (WebServer w = start(new Blocking())) {
            String token = "X-Pooltag-Token: " + w.token() + "\r\n";
            String info = "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n" + token + "\r\n";
            int over = WebServer.MAX_ARM_BODY + 1;
            int unread = HttpAnswers.REFUSED_BODY_DRAIN + 1;
            List<RawAnswer> a = RawAnswer.askInTurn(w.port(), info,
                    "GET /api/open HTTP/1.1\r\nHost: 127.0.0.1\r\n" + token + "\r\n", info,
                    "POST /api/open?name=x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc", info,
                    "POST /api/hit/arm HTTP/1.1\r\nHost: 127.0.0.1\r\n" + token + "Content-Length: " + over
                            + "\r\n\r\n" + "x".repeat(over), info,
                    "POST /api/hit/arm HTTP/1.1\r\nHost: 127.0.0.1\r\n" + token + "Transfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(20_000) + "\r\n" + "x".repeat(20_000) + "\r\n0\r\n\r\n", info,
                    "POST /api/hit/arm HTTP/1.1\r\nHost: 127.0.0.1\r\n" + token + "Content-Length: " + unread
                            + "\r\n\r\n", info);
            assertEquals(List.of("HTTP/1.1 200 OK", "HTTP/1.1 405 Method Not Allowed", "HTTP/1.1 200 OK",
                    "HTTP/1.1 403 Forbidden", "HTTP/1.1 200 OK", "HTTP/1.1 413 Request Entity Too Large",
                    "HTTP/1.1 200 OK", "HTTP/1.1 413 Request Entity Too Large", "HTTP/1.1 200 OK",
                    "HTTP/1.1 413 Request Entity Too Large"), a.stream().map(RawAnswer::status).toList());
            for (int i = 0; i < 9; i++) {
                assertEquals(null, a.get(i).headers().get("connection"), a.get(i).toString());
            }
            assertEquals("close", a.get(9).headers().get("connection"));
        }
    }

    // ---- 7. methods ----

    @Test
    void everyEndpointAnswers405WithAllowToAnyOtherMethod() throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        try (WebServer w = WebServerAccessTest.start(WebServerAccessTest.OPTIONS, FakeServices.with(hit, null))) {
            for (String path : List.of("/api/info", "/api/history", "/api/poolused", "/api/hit", "/api/hunt",
                    "/static/app.js")) {
                for (String m : List.of("DELETE", "PUT", "PATCH", "OPTIONS", "FROB", "POST")) {
                    HttpResponse<String> r;
                    try {
                        r = WebServerAccessTest.send(w, m, path, "X-Pooltag-Token", w.token());
                    } catch (java.io.IOException e) {
                        throw new AssertionError(m + " " + path, e);
                    }
                    assertEquals(405, r.statusCode(), m + " " + path + " -> " + r.body());
                    assertEquals(Optional.of("GET, HEAD"), r.headers().firstValue("Allow"), m + " " + path);
                }
            }
            for (String path : List.of("/api/hit/arm", "/api/hit/clear", "/api/hunt/start", "/api/open")) {
                for (String m : List.of("GET", "DELETE", "PUT")) {
                    HttpResponse<String> r;
                    try {
                        r = WebServerAccessTest.send(w, m, path, "X-Pooltag-Token", w.token());
                    } catch (java.io.IOException e) {
                        throw new AssertionError(m + " " + path, e);
                    }
                    assertEquals(405, r.statusCode(), m + " " + path);
                    assertEquals(Optional.of("POST"), r.headers().firstValue("Allow"), m + " " + path);
                }
            }
            // TRACE, which java.net.http will not send, and a long made-up method that must not be echoed
            String trace = raw(w, "TRACE /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pooltag-Token: " + w.token()
                    + "\r\nConnection: close\r\n\r\n");
            assertEquals(405, status(trace), trace);
            String longMethod = "X".repeat(3000);
            for (String token : List.of(w.token(), "wrong")) {
                String r = raw(w, longMethod + " /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pooltag-Token: " + token
                        + "\r\nConnection: close\r\n\r\n");
                assertTrue(status(r) == 405 || status(r) == 403, r);
                assertFalse(r.contains("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), r);
            }
            assertEquals(List.of(), hit.calls);
        }
    }

    // ---- 8. Host ----

    @Test
    void aHostListASecondHostAndAnAbsoluteTargetAreRefused() throws Exception {
        try (WebServer w = WebServerAccessTest.start(WebServerAccessTest.OPTIONS, WebServices.none())) {
            String t = "X-Pooltag-Token: " + w.token() + "\r\nConnection: close\r\n\r\n";
            assertEquals(200, status(raw(w, "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1:" + w.port() + "\r\n" + t)));
            assertEquals(403, status(raw(w, "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1:" + w.port()
                    + ", evil.com\r\n" + t)));
            assertEquals(403, status(raw(w, "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1:80x\r\n" + t)));
            String two = raw(w, "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.com\r\n" + t);
            assertEquals(400, status(two), two);
            String absolute = raw(w, "GET http://evil.com/api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n" + t);
            assertEquals(400, status(absolute), absolute);
            assertNotNull(absolute);
            // HTTP/1.1 without Host is malformed (RFC 9112, 3.2): 400; HTTP/1.0 may omit it, and is refused as a Host
            // that does not name loopback
            String none = raw(w, "GET /api/info HTTP/1.1\r\n" + t);
            assertEquals(400, status(none), none);
            assertTrue(body(none).contains("an HTTP/1.1 request must carry a Host header"), none);
            assertEquals(403, status(raw(w, "GET /api/info HTTP/1.0\r\n" + t)));
        }
    }
}
