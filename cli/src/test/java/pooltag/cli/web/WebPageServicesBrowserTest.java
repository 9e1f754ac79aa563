package pooltag.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;
import pooltag.engine.publish.WebServices;

/**
 * The page's hit and hunt views with services behind them (the test doubles of {@link FakeServices}, for exact
 * synthetic data; the live hit view is {@link WebPageHitLiveTest}), and the page behind a token. A synthetic snapshot feeds the usage view, so
 * these tests need no root.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebPageServicesBrowserTest {
    static WebServer start(WebServices s) throws Exception {
        return WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), WebServerAccessTest::snapshot,
                s, new WebServer.Options(500, 20));
    }

    static WebDriverWait waiting(Browser b) {
        return new WebDriverWait(b.driver, Duration.ofSeconds(20));
    }

    @Test
    void huntViewDrawsAFlameGraphOfOutstandingStacks(@TempDir Path tmp) throws Exception {
        FakeServices.Hunt hunt = new FakeServices.Hunt();
        try (WebServer w = start(FakeServices.with(null, hunt));
             Browser b = new Browser(tmp.resolve("profile"))) {
            b.driver.get("http://127.0.0.1:" + w.port() + "/?token=" + w.token() + "#hunt");
            b.driver.findElement(By.id("hunt-start")).click();
            waiting(b).until(d -> !b.driver.findElements(By.cssSelector("#flame svg g.frame")).isEmpty());
            // all, entry_SYSCALL_64, do_syscall_64, 2 syscalls, do_pipe2 and inotify_new_watch, then
            // __do_pipe_flags > alloc_pipe_info and create_pipe_files > alloc_file_pseudo > alloc_empty_file: 12 frames.
            List<String> frames = b.driver.findElements(By.cssSelector("#flame svg g.frame title")).stream()
                    .map(e -> e.getAttribute("textContent")).toList();
            assertEquals(12, frames.size(), frames.toString());
            // The root holds every outstanding byte: 2*9973*256 + 9973*1024 + 101*96.
            assertTrue(frames.get(0).startsWith("all: 14.6 MiB in 30020 allocations (100.0%)"), frames.get(0));
            Map<String, Object> widths = Browser.map(b.js("const w = {}; document.querySelectorAll('#flame g.frame').forEach("
                    + "g => w[g.querySelector('title').textContent.split(':')[0]] = +g.querySelector('rect').getAttribute('width'));"
                    + " return {root: w['all'], pipe: w['do_pipe2'], inotify: w['inotify_new_watch'] || 0};"));
            double root = ((Number) widths.get("root")).doubleValue();
            double pipe = ((Number) widths.get("pipe")).doubleValue();
            // do_pipe2 holds (2*256 + 1024) * 9973 of the 15316024 bytes.
            assertEquals(root * (1536.0 * 9973) / (1536.0 * 9973 + 96 * 101), pipe, 0.05);
            assertEquals(2, b.driver.findElements(By.cssSelector("#hunt-suspects tbody tr")).size());
            // The answer in the command's words, shown as a leak, and the report's note under it.
            var verdict = b.driver.findElement(By.id("hunt-verdict"));
            assertTrue(verdict.isDisplayed());
            assertEquals("1 leak found at or above confidence 0.50", verdict.getText());
            assertTrue(verdict.getAttribute("class").contains("leak"), verdict.getAttribute("class"));
            List<String> notes = b.driver.findElements(By.cssSelector("#hunt-notes li")).stream()
                    .map(e -> e.getText()).toList();
            assertEquals(List.of("Note: 3 allocations at an address still outstanding: frees the kernel does not trace"
                    + " (kfree_rcu, bulk frees) or lost; the stale entries were dropped"), notes);
            assertEquals(List.of("start"), hunt.starts, "the button's POST started the hunt, once");
            Path shot = b.screenshot("serve-hunt-flame");
            System.out.println("WebPageServicesBrowserTest: screenshot " + shot);
            assertEquals(List.of(), b.consoleErrors());
        }
    }

    /**
     * A page of another origin (localhost on another port: another site too) open in the same browser, after the user
     * opened pooltag's page (so the browser holds the cookie), tries every request a web page can send: images and
     * a navigation (GETs), a form POST, no-cors and CORS fetches with a guessed token, and a read of the page. None
     * reaches a service, and the page's token cannot be read. The control: the same browser's own page does start a
     * hunt.
     */
    @Test
    void aCrossOriginPageCannotChangeStateOrReadTheToken(@TempDir Path tmp) throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        FakeServices.Hunt hunt = new FakeServices.Hunt();
        com.sun.net.httpserver.HttpServer evil = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        try (WebServer w = start(FakeServices.with(hit, hunt));
             Browser b = new Browser(tmp.resolve("profile"))) {
            String target = "http://127.0.0.1:" + w.port();
            String page = """
                    <!doctype html><html><body>
                    <img src="T/api/hunt/start"><img src="T/api/hit/arm?tag=filp"><img src="T/api/hunt">
                    <iframe name="sink"></iframe>
                    <form id="f" method="POST" action="T/api/hit/arm" enctype="text/plain" target="sink">
                    <input name='{"tag":"filp","x":"' value='"}'></form>
                    <form id="g" method="POST" action="T/api/hunt/start" target="sink"></form>
                    <script>
                    window.result = {};
                    async function attempt(name, p) {
                      try { const r = await p; window.result[name] = 'status ' + r.status + ' type ' + r.type
                              + ' body ' + (r.type === 'opaque' ? '' : await r.text()); }
                      catch (e) { window.result[name] = 'blocked ' + e.name; }
                    }
                    (async () => {
                      document.getElementById('f').submit();
                      await new Promise(r => setTimeout(r, 300));
                      document.getElementById('g').submit();
                      await attempt('nocors-hunt', fetch('T/api/hunt/start', {method: 'POST', mode: 'no-cors',
                          credentials: 'include'}));
                      await attempt('nocors-arm', fetch('T/api/hit/arm', {method: 'POST', mode: 'no-cors',
                          credentials: 'include', body: '{"tag":"filp"}'}));
                      await attempt('cors-guess', fetch('T/api/hit/arm', {method: 'POST', credentials: 'include',
                          headers: {'X-Pooltag-Token': 'guess', 'Content-Type': 'application/json'},
                          body: '{"tag":"filp"}'}));
                      await attempt('read-page', fetch('T/', {credentials: 'include'}));
                      await attempt('read-info', fetch('T/api/info', {credentials: 'include'}));
                      await new Promise(r => setTimeout(r, 1000));
                      document.title = 'done';
                    })();
                    </script></body></html>
                    """.replace("T/", target + "/");
            evil.createContext("/", ex -> {
                byte[] body = page.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            evil.start();
            b.driver.get(target + "/?token=" + w.token() + "#usage"); // the user opens pooltag: the cookie is set
            waiting(b).until(d -> b.driver.getCurrentUrl().endsWith("/#usage"));
            b.driver.get("http://localhost:" + evil.getAddress().getPort() + "/");
            waiting(b).until(d -> "done".equals(b.driver.getTitle()));
            Map<String, Object> result = Browser.map(b.js("return window.result;"));
            System.out.println("cross-origin attempts: " + result);
            assertEquals(List.of(), hit.calls, "no cross-origin request armed a hit: " + result);
            assertEquals(List.of(), hunt.starts, "no cross-origin request started a hunt: " + result);
            assertTrue(String.valueOf(result.get("cors-guess")).startsWith("blocked"), result.toString());
            assertTrue(String.valueOf(result.get("read-page")).startsWith("blocked"), "the page is not readable: "
                    + result);
            for (Object v : result.values()) {
                assertFalse(String.valueOf(v).contains(w.token()), "the token leaked: " + result);
            }
            // The control: pooltag's own page, same browser, starts a hunt with its button.
            b.driver.get(target + "/#hunt");
            b.driver.findElement(By.id("hunt-start")).click();
            waiting(b).until(d -> !hunt.starts.isEmpty());
            assertEquals(List.of("start"), hunt.starts);
        } finally {
            evil.stop(0);
        }
    }

    @Test
    void armingAHitFromThePagePostsWithTheTokenAndShowsTheHits(@TempDir Path tmp) throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        try (WebServer w = start(FakeServices.with(hit, null));
             Browser b = new Browser(tmp.resolve("profile"))) {
            // Behind a token: without it the page is refused; the printed address opens it and drops the token.
            b.driver.get("http://127.0.0.1:" + w.port() + "/");
            assertTrue(b.driver.getPageSource().contains("needs the token"), b.driver.getPageSource());
            b.driver.get("http://127.0.0.1:" + w.port() + "/?token=" + w.token() + "#hit");
            waiting(b).until(d -> b.driver.findElement(By.id("hit-status")).getText().equals("No tag armed."));
            assertEquals("http://127.0.0.1:" + w.port() + "/#hit", b.driver.getCurrentUrl(), "the token leaves the address bar");
            b.consoleErrors();
            b.driver.findElement(By.id("hit-tag")).sendKeys("filp");
            b.driver.findElement(By.id("hit-arm")).click();
            waiting(b).until(d -> b.driver.findElements(By.cssSelector("#hit-list .hit")).size() == 2);
            assertEquals(List.of("arm filp"), hit.calls);
            String status = b.driver.findElement(By.id("hit-status")).getText();
            assertEquals("Armed: filp (2 hits; 3 events lost)", status);
            String list = b.driver.findElement(By.id("hit-list")).getText();
            assertTrue(list.contains("#1 alloc filp NonPaged 256 bytes, cpu 1, pid 4242 (leaker)"), list);
            assertTrue(list.contains("create_pipe_files+0x8f/0x230"), list);
            b.screenshot("serve-hit");
            // A dead tracing session: the armed view shows the error within 2 s (it polls each second).
            hit.failure = "tracing stopped: the merge thread died";
            long t0 = System.nanoTime();
            new WebDriverWait(b.driver, Duration.ofSeconds(2)).until(d -> b.driver.findElement(By.id("status")).getText()
                    .contains("tracing stopped: the merge thread died"));
            System.out.println("DEAD SESSION shown on the page after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertTrue(b.driver.findElement(By.id("status")).getAttribute("class").contains("error"));
            hit.failure = null;
            b.consoleErrors();
            b.driver.findElement(By.id("hit-clear")).click();
            waiting(b).until(d -> b.driver.findElement(By.id("hit-status")).getText().equals("No tag armed."));
            assertEquals(List.of("arm filp", "clear"), hit.calls);
            assertEquals(List.of(), b.consoleErrors());
        }
    }
}
