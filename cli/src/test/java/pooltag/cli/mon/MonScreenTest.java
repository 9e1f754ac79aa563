package pooltag.cli.mon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.PoolMonModel;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.procfs.Meminfo;

/** The full screen on a scripted xterm: keys in, escape sequences out. */
class MonScreenTest {
    static UsageSnapshot snap(long bytes) {
        return new UsageSnapshot(0, "t", List.of(
                new TagUsage("dentry", TagKind.CACHE, Pool.PAGED, -1, -1, bytes / 192, bytes, ""),
                new TagUsage("kmalloc-64", TagKind.CACHE, Pool.NONPAGED, -1, -1, 1613, 103232, "")), Loss.NONE);
    }

    @Test
    void usesAlternateScreenAndRestoresItOnQuit() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // p: pools -> nonpaged; then q.
        // A pipe kept open until q is read: an input that ends would close the terminal instead.
        java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
        java.io.PipedInputStream in = new java.io.PipedInputStream(keys);
        keys.write("pq".getBytes(StandardCharsets.US_ASCII));
        keys.flush();
        AtomicInteger refreshes = new AtomicInteger();
        // The exec provider writes straight to the stream; a native provider puts a pty in between whose copying
        // thread may not have passed on the last bytes (leaving the alternate screen) when the test reads them.
        try (Terminal t = TerminalBuilder.builder().system(false).provider("exec").streams(in, out).type("xterm")
                .size(new Size(100, 20)).build()) {
            MonScreen screen = new MonScreen(() -> snap(1_879_104 + 192L * refreshes.getAndIncrement()),
                    PoolMonModel.defaults(), true, 60_000, () -> new Meminfo(1, 2, 3, 4, 5));
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> screen.run(t));
        }
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("\u001b[?1049h"), "enters the alternate screen");
        assertTrue(s.lastIndexOf("\u001b[?1049l") > s.lastIndexOf("kmalloc-64"), "leaves it after the last draw: " + s.substring(Math.max(0, s.length() - 300)).replace("\u001b", "ESC"));
        assertTrue(s.contains("dentry"), s);
        // Display sends only the changed cells: after p, the word "nonpaged" is written over "all".
        assertTrue(s.contains("Pools: all"), s);
        assertTrue(s.indexOf("nonpaged") > s.indexOf("Pools: all"), "p switched to nonpaged: " + s);
        assertEquals(1, refreshes.get(), "one snapshot: no refresh was due before q");
    }

    /** A source that dies between refreshes (a dead tracing session) ends the screen within a second, not a refresh. */
    @Test
    void aDeadSourceEndsTheScreenWithinASecondAndRestoresTheTerminal() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
        java.io.PipedInputStream in = new java.io.PipedInputStream(keys);
        long deadAt = System.nanoTime() + 300_000_000L;
        try (Terminal t = TerminalBuilder.builder().system(false).provider("exec").streams(in, out).type("xterm")
                .size(new Size(100, 20)).build()) {
            MonScreen screen = new MonScreen(() -> snap(1_879_104), PoolMonModel.defaults(), true, 60_000,
                    () -> new Meminfo(1, 2, 3, 4, 5)).withCheck(() -> {
                        if (System.nanoTime() > deadAt) {
                            throw new pooltag.core.error.PooltagException("tracing stopped: the merge thread died");
                        }
                    });
            pooltag.core.error.PooltagException e = org.junit.jupiter.api.Assertions.assertThrows(
                    pooltag.core.error.PooltagException.class,
                    () -> assertTimeoutPreemptively(Duration.ofSeconds(20), () -> screen.run(t)));
            long ms = (System.nanoTime() - deadAt) / 1_000_000;
            assertTrue(ms < 2_000, "ended " + ms + " ms after the source died (60 s refresh interval)");
            assertTrue(e.getMessage().contains("tracing stopped"), e.getMessage());
        }
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.lastIndexOf("\u001b[?1049l") > s.lastIndexOf("kmalloc-64"), "the terminal is restored");
    }

    @Test
    void keysChangeSortPoolsTotalsAndPatterns() {
        MonScreen screen = new MonScreen(() -> snap(1_879_104), PoolMonModel.defaults(), false, 60_000,
                () -> new Meminfo(1, 2, 3, 4, 5));
        assertTrue(screen.onKey('t'));
        assertTrue(screen.onKey('x'));
        for (char c : "dent*\r".toCharArray()) {
            screen.onKey(c);
        }
        List<String> lines = screen.linesForTest(new Size(100, 12));
        assertTrue(lines.get(1).contains("Sort: t"), lines.get(1));
        assertTrue(lines.get(1).contains("Exclude: [dent*]"), lines.get(1));
        assertTrue(lines.stream().noneMatch(l -> l.startsWith(" dentry")), String.join("\n", lines));
        assertTrue(screen.onKey('e'));
        assertTrue(screen.linesForTest(new Size(100, 12)).get(3).startsWith(" Total"));
        assertTrue(!screen.onKey('q'));
    }
}
