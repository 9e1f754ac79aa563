package pooltag.cli.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HttpAnswers} over a real JDK server on loopback, the bytes read off the socket. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpAnswersTest {
    static final String BODY = "twelve bytes";
    static final String REFUSAL = "{\"error\":\"POST only\"}";

    /**
     * /text answers {@link #BODY}, /empty a 303 with no body, /post takes POST only (405 otherwise), each through
     * {@link HttpAnswers}.
     */
    static HttpServer start() throws IOException {
        HttpServer hs = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hs.createContext("/text", ex -> HttpAnswers.send(ex, 200, "text/plain; charset=utf-8",
                BODY.getBytes(StandardCharsets.UTF_8)));
        hs.createContext("/empty", ex -> {
            ex.getResponseHeaders().set("Location", "/text");
            HttpAnswers.send(ex, 303, "text/plain; charset=utf-8", new byte[0]);
        });
        hs.createContext("/post", ex -> {
            if (HttpAnswers.allows("POST", ex.getRequestMethod())) {
                HttpAnswers.send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else {
                HttpAnswers.methodNotAllowed(ex, "POST", "application/json", REFUSAL.getBytes(StandardCharsets.UTF_8));
            }
        });
        hs.start();
        return hs;
    }

    @Test
    void headGetsGetsHeadersAndContentLengthWithoutABodyAndTheJdkServerWarnsOfNothing() throws Exception {
        // The JDK's server warns (and drops Content-Length) when a HEAD answer is given a length: catch any warning.
        Logger jdk = Logger.getLogger("com.sun.net.httpserver");
        Level level = jdk.getLevel();
        List<String> warned = new CopyOnWriteArrayList<>();
        Handler catcher = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warned.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jdk.setLevel(Level.ALL);
        jdk.addHandler(catcher);
        HttpServer hs = start();
        try {
            RawAnswer get = RawAnswer.ask(hs.getAddress().getPort(), "GET", "/text");
            RawAnswer head = RawAnswer.ask(hs.getAddress().getPort(), "HEAD", "/text");
            assertEquals("HTTP/1.1 200 OK", get.status());
            assertEquals(BODY, get.body());
            assertEquals("12", get.headers().get("content-length"));
            assertEquals("HTTP/1.1 200 OK", head.status());
            assertEquals("", head.body());
            assertEquals(get.headers(), head.headers(), "HEAD gets GET's headers, Content-Length included");

            RawAnswer emptyGet = RawAnswer.ask(hs.getAddress().getPort(), "GET", "/empty");
            RawAnswer emptyHead = RawAnswer.ask(hs.getAddress().getPort(), "HEAD", "/empty");
            assertEquals("HTTP/1.1 303 See Other", emptyGet.status());
            assertEquals("", emptyGet.body());
            assertEquals("0", emptyGet.headers().get("content-length"), "an empty body is not sent chunked");
            assertFalse(emptyGet.headers().containsKey("transfer-encoding"), emptyGet.toString());
            assertEquals("HTTP/1.1 303 See Other", emptyHead.status());
            assertEquals("0", emptyHead.headers().get("content-length"));
            assertEquals("/text", emptyHead.headers().get("location"));
        } finally {
            hs.stop(0);
            jdk.removeHandler(catcher);
            jdk.setLevel(level);
        }
        assertEquals(List.of(), warned);
    }

    @Test
    void aMethodTheAddressDoesNotTakeIs405WithAllowAndTheCallersBody() throws Exception {
        HttpServer hs = start();
        try {
            int port = hs.getAddress().getPort();
            assertEquals("HTTP/1.1 200 OK", RawAnswer.ask(port, "POST", "/post").status());
            for (String method : List.of("GET", "PUT", "FROB", "post")) {
                RawAnswer r = RawAnswer.ask(port, method, "/post");
                assertEquals("HTTP/1.1 405 Method Not Allowed", r.status(), method);
                assertEquals("POST", r.headers().get("allow"), method);
                assertEquals("application/json", r.headers().get("content-type"), method);
                assertEquals(REFUSAL, r.body(), method);
            }
            RawAnswer head = RawAnswer.ask(port, "HEAD", "/post");
            assertEquals("HTTP/1.1 405 Method Not Allowed", head.status());
            assertEquals("POST", head.headers().get("allow"));
            assertEquals(Integer.toString(REFUSAL.length()), head.headers().get("content-length"));
            assertEquals("", head.body());
        } finally {
            hs.stop(0);
        }
    }

    @Test
    void allowsMatchesEachListedMethodExactly() {
        assertTrue(HttpAnswers.allows("GET, HEAD", "GET"));
        assertTrue(HttpAnswers.allows("GET, HEAD", "HEAD"));
        assertTrue(HttpAnswers.allows("POST", "POST"));
        assertFalse(HttpAnswers.allows("GET, HEAD", "get"));
        assertFalse(HttpAnswers.allows("GET, HEAD", "POST"));
        assertFalse(HttpAnswers.allows("GET, HEAD", "GET, HEAD"));
        assertFalse(HttpAnswers.allows("GET, HEAD", ""));
        assertFalse(HttpAnswers.allows("POST", "POS"));
    }

    @Test
    void declaredLengthIsMinusOneWhenAbsentTheNumberWhenGivenAndAQuotedRefusalOtherwise() {
        assertEquals(-1, HttpAnswers.declaredLength(new Headers()));
        assertEquals(42, HttpAnswers.declaredLength(headers("42")));
        assertEquals(7, HttpAnswers.declaredLength(headers(" 7 ")));
        assertEquals(0, HttpAnswers.declaredLength(headers("0")));
        assertEquals(1_000_000_000_000_000_000L, HttpAnswers.declaredLength(headers("1000000000000000000")));
        assertEquals("bad Content-Length 'abc': not a number", assertThrows(IllegalArgumentException.class,
                () -> HttpAnswers.declaredLength(headers("abc"))).getMessage());
        assertEquals("bad Content-Length '': not a number", assertThrows(IllegalArgumentException.class,
                () -> HttpAnswers.declaredLength(headers(""))).getMessage());
        assertEquals("bad Content-Length '1\\u00072': not a number", assertThrows(IllegalArgumentException.class,
                () -> HttpAnswers.declaredLength(headers("1\u00072"))).getMessage());
        String longValue = "9".repeat(HttpAnswers.ECHO_CHARS + 10);
        assertEquals("bad Content-Length '" + "9".repeat(HttpAnswers.ECHO_CHARS) + "...': not a number",
                assertThrows(IllegalArgumentException.class,
                        () -> HttpAnswers.declaredLength(headers(longValue))).getMessage());
    }

    static Headers headers(String contentLength) {
        Headers h = new Headers();
        h.set("Content-Length", contentLength);
        return h;
    }
}
