package pooltag.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    static WebServer start(WebServices s, boolean forceToken) throws Exception {
        return WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), WebServerAccessTest::snapshot,
                s, new WebServer.Options(500, 20, forceToken));
    }

    static WebDriverWait waiting(Browser b) {
        return new WebDriverWait(b.driver, Duration.ofSeconds(20));
    }

    @Test
    void huntViewDrawsAFlameGraphOfOutstandingStacks(@TempDir Path tmp) throws Exception {
        try (WebServer w = start(FakeServices.with(null, new FakeServices.Hunt()), false);
             Browser b = new Browser(tmp.resolve("profile"))) {
            b.driver.get("http://127.0.0.1:" + w.port() + "/#hunt");
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
            Path shot = b.screenshot("serve-hunt-flame");
            System.out.println("WebPageServicesBrowserTest: screenshot " + shot);
            assertEquals(List.of(), b.consoleErrors());
        }
    }

    @Test
    void armingAHitFromThePagePostsWithTheTokenAndShowsTheHits(@TempDir Path tmp) throws Exception {
        FakeServices.Hit hit = new FakeServices.Hit();
        try (WebServer w = start(FakeServices.with(hit, null), true);
             Browser b = new Browser(tmp.resolve("profile"))) {
            // Behind a token: without it the page is refused; the printed address opens it and drops the token.
            b.driver.get("http://127.0.0.1:" + w.port() + "/");
            assertTrue(b.driver.getPageSource().contains("needs its token"), b.driver.getPageSource());
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
            b.driver.findElement(By.id("hit-clear")).click();
            waiting(b).until(d -> b.driver.findElement(By.id("hit-status")).getText().equals("No tag armed."));
            assertEquals(List.of("arm filp", "clear"), hit.calls);
            assertEquals(List.of(), b.consoleErrors());
        }
    }
}
