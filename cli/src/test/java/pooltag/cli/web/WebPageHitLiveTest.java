package pooltag.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

import pooltag.cli.leaks.LeakChild;
import pooltag.engine.testkit.Live;
import pooltag.cli.live.TracefsInstances;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.engine.hit.LiveHitService;
import pooltag.engine.publish.WebServices;
import pooltag.engine.publish.FileCaptureService;

/**
 * The page's Hit view on the live kernel, in headless Chromium: arming {@code hugetlbfs_inode_cache} from the page
 * while the leak corpus's child makes files on its private hugetlbfs mount streams breaks whose stacks run through the
 * open syscall; clearing removes the tracefs instance. Screenshot: cli/target/screenshots/serve-hit-live.png.
 *
 * <p>A tag only the child allocates: the page keeps the latest 10,000 breaks, and with alloc_pipe_info armed beside a
 * pipe-making workload (fsbench, 2026-12-01: 1.4 M hits in 30 s) the child's pipes had scrolled out of them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebPageHitLiveTest {
    static final int FILES = 211;
    static final String TAG = LeakChild.PRIVATE_TAG;

    @Test
    void armingATagShowsTheChildsBreaksWithTheirSyscallStack(@TempDir Path tmp) throws Exception {
        Live.assumeLive();
        LeakChild.assumePrivateKind("WebPageHitLiveTest");
        LiveHitService hit = new LiveHitService();
        WebServices services = new WebServices(Optional.of(hit), Optional.empty(), Optional.of(new FileCaptureService()));
        try (LeakChild leak = LeakChild.start(LeakChild.PRIVATE_KIND, FILES, 500);
             hit;
             WebServer w = WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                     ProcfsSource.live()::take, services, new WebServer.Options(500, 20));
             Browser b = new Browser(tmp.resolve("profile"))) {
            WebDriverWait wait = new WebDriverWait(b.driver, Duration.ofSeconds(30));
            b.driver.get("http://127.0.0.1:" + w.port() + "/?token=" + w.token());
            b.driver.get("http://127.0.0.1:" + w.port() + "/#hit");
            wait.until(d -> b.driver.findElement(By.id("hit-status")).getText().equals("No tag armed."));
            b.consoleErrors();
            b.driver.findElement(By.id("hit-tag")).sendKeys(TAG);
            b.driver.findElement(By.id("hit-arm")).click();
            wait.until(d -> b.driver.findElement(By.id("hit-status")).getText().startsWith("Armed: " + TAG));
            assertTrue(TracefsInstances.ours(), "arming opens this process's tracefs instance");

            leak.leak();
            // Trace events carry the thread's id: match any of the leaker's threads (it has one today).
            List<String> fromLeaker;
            try (var tasks = java.nio.file.Files.list(Path.of("/proc", Long.toString(leak.pid()), "task"))) {
                fromLeaker = tasks.map(t -> "pid " + t.getFileName() + " ").toList();
            }
            try {
                wait.until(d -> leakerBreaks(b, fromLeaker).stream().anyMatch(WebPageHitLiveTest::openSyscallStack));
            } catch (RuntimeException e) {
                b.screenshot("serve-hit-live-failed");
                throw new AssertionError("no break of the leaker (" + fromLeaker + ") with an open syscall stack; status '"
                        + b.driver.findElement(By.id("hit-status")).getText() + "', " + b.js(
                        "return document.querySelectorAll('#hit-list .hit').length;") + " breaks on the page; first: "
                        + b.js("const h = document.querySelector('#hit-list .hit'); return h ? h.textContent : '';"), e);
            }
            List<String> breaks = leakerBreaks(b, fromLeaker);
            String status = b.driver.findElement(By.id("hit-status")).getText();
            assertTrue(status.matches("Armed: " + TAG + " \\(\\d+ hits.*\\)"), status);
            String one = breaks.stream().filter(WebPageHitLiveTest::openSyscallStack).findFirst().orElseThrow();
            assertTrue(one.contains(" alloc " + TAG + " NonPaged "), one);
            assertFalse(one.matches("(?s).*(0x)?ffff[0-9a-f]{12}.*"), "a kernel address on the page: " + one);
            Path shot = b.screenshot("serve-hit-live");
            System.out.println("WebPageHitLiveTest: " + breaks.size() + " breaks from the leaker on the page; status '"
                    + status + "'; screenshot " + shot + "\n" + one);

            b.driver.findElement(By.id("hit-clear")).click();
            wait.until(d -> b.driver.findElement(By.id("hit-status")).getText().equals("No tag armed."));
            // The page's poll may show "No tag armed." while the clear request is still draining the session: the
            // instance must go once it is done.
            wait.until(d -> !TracefsInstances.ours());
            assertEquals(List.of(), b.consoleErrors());
        }
        assertFalse(TracefsInstances.ours(), "a tracefs instance outlived the test");
    }

    static boolean openSyscallStack(String hitText) {
        // Frames, not the header line (which names the tag): the inode's allocator and the open under it.
        return (hitText.contains("hugetlbfs_alloc_inode+") || hitText.contains("hugetlbfs_get_inode+"))
                && (hitText.contains("do_sys_openat2+") || hitText.contains("__x64_sys_openat+"));
    }

    /** The text of each hit on the page made by the leaking child (read in one script: there may be thousands). */
    @SuppressWarnings("unchecked")
    static List<String> leakerBreaks(Browser b, List<String> pidMarkers) {
        return (List<String>) b.js("return Array.from(document.querySelectorAll('#hit-list .hit'))"
                + ".map(d => Array.from(d.children).map(c => c.textContent).join('\\n'))"
                + ".filter(t => arguments[0].some(m => t.includes(m)));", pidMarkers);
    }
}
