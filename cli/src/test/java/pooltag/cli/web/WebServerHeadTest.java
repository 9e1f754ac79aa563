package pooltag.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.cli.http.RawAnswer;

/**
 * HEAD on every address of {@link WebServer#addresses}: the headers GET gets, Content-Length included, and no body.
 * Until serve's answers were shared with the exporter's ({@code pooltag.cli.http.HttpAnswers}), its HEAD answers had
 * no Content-Length.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebServerHeadTest {
    static RawAnswer ask(WebServer w, String method, String path) throws Exception {
        return RawAnswer.ask(w.port(), method, path, "X-Pooltag-Token: " + w.token());
    }

    @Test
    void headOnEveryAddressGetsGetsHeadersWithItsContentLengthAndNoBody() throws Exception {
        try (WebServer w = WebServerAccessTest.start(WebServerAccessTest.OPTIONS,
                FakeServices.with(new FakeServices.Hit(), new FakeServices.Hunt()))) {
            for (Map.Entry<String, WebServer.Endpoint> e : w.addresses().entrySet()) {
                String path = e.getKey();
                // A POST-only address answers GET too: the 405 whose headers HEAD must get.
                RawAnswer get = ask(w, "GET", path);
                RawAnswer head = ask(w, "HEAD", path);
                String expected = e.getValue().allow().equals("POST") ? "HTTP/1.1 405 Method Not Allowed"
                        : "HTTP/1.1 200 OK";
                assertEquals(expected, get.status(), "GET " + path);
                assertEquals(expected, head.status(), "HEAD " + path);
                assertEquals(Integer.toString(get.body().length()), get.headers().get("content-length"), "GET " + path);
                assertEquals(get.headers(), head.headers(), "HEAD " + path);
                assertEquals("", head.body(), "HEAD " + path);
            }
            RawAnswer missing = ask(w, "HEAD", "/nothing");
            assertEquals("HTTP/1.1 404 Not Found", missing.status());
            assertEquals(Integer.toString("no such page: /nothing\n".getBytes(StandardCharsets.UTF_8).length),
                    missing.headers().get("content-length"));
            assertEquals("", missing.body());
        }
    }
}
