package pooltag.cli.commands;

import pooltag.engine.hit.Break;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import pooltag.engine.testkit.Live;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.kd.KdTargets;
import pooltag.core.tag.TagPattern;
import pooltag.linux.tracefs.Tracefs;

/** {@code pooltag kd --recording}: a recording made here with {@code --hit alloc_pipe_info} while a child holds pipes. */
class KdRecordingTest {
    @TempDir
    Path dir;
    private pooltag.cli.leaks.LeakChild holder;
    private Tracefs fs;

    @AfterEach
    void cleanup() throws Exception {
        if (holder != null) {
            holder.close();
        }
        if (fs != null) {
            assertTrue(!Files.exists(Live.ownInstance(fs)), "instance left behind");
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void gStepsThroughTheRecordedHitsAndPoolfindSeesThePipesOutstanding() throws Exception {
        fs = Live.tracefsOrSkip();
        Path file = dir.resolve("pipes.ptrec");
        holder = pooltag.cli.leaks.LeakChild.start("pipe", KdLiveTest.PIPES, 1000); // prepared before the recording
        CliRun[] rec = new CliRun[1];
        Thread recorder = new Thread(() -> rec[0] = CliRun.of("record", "-o", file.toString(), "--duration", "4s",
                "--hit", "alloc_pipe_info"), "recorder");
        recorder.start();
        // The recording's 4 s count from when tracing is on: wait for the session (triggers, then tracing_on).
        HuntLiveTest.awaitTracing(Live.ownInstance(fs), 300);
        holder.leak();
        long pid = holder.pid();
        recorder.join(120_000);
        assertEquals(0, rec[0].exit(), rec[0].out() + rec[0].err());

        CliRun r = CliRun.of("kd", "--recording", file.toString(), "-c",
                "ed nt!poolhittag \"alloc_pipe_info\"; g; kb; !poolfind alloc_pipe_info");
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> lines = r.outLines();
        int g = lines.indexOf("kd> g");
        assertEquals("Break instruction exception - code 80000003 (first chance)", lines.get(g + 1), r.out());
        assertTrue(lines.get(g + 2).startsWith("alloc: tag alloc_pipe_info, size 0x"), lines.get(g + 2));
        String kb = r.out().substring(r.out().indexOf("kd> kb"), r.out().indexOf("kd> !poolfind"));
        assertTrue(kb.contains("do_pipe2") || kb.contains("__x64_sys_pipe2") || kb.contains("fifo_open"), kb);
        String pf = r.out().substring(r.out().indexOf("kd> !poolfind"));
        Matcher m = Pattern.compile("(?m)^(\\d+) allocations?, ").matcher(pf);
        assertTrue(m.find() && Long.parseLong(m.group(1)) >= 1, "what was outstanding at the first hit:\n" + pf);

        // Through every hit to the end: the holder's pipes are outstanding there, each with its stack.
        try (KdTarget t = KdTargets.recording(file)) {
            t.armHit("alloc_pipe_info");
            int hits = 0;
            int holderHits = 0;
            boolean holderStack = false;
            for (Optional<Break> b = t.go(() -> false); b.isPresent(); b = t.go(() -> false)) {
                hits++;
                if (b.get().pid() == pid) {
                    holderHits++;
                    holderStack |= b.get().frames().stream().anyMatch(f -> f.startsWith("do_pipe2")
                            || f.startsWith("__x64_sys_pipe2"));
                }
            }
            assertTrue(holderHits >= KdLiveTest.PIPES, "hits of the holder: " + holderHits + " of " + hits);
            assertTrue(holderStack, "the holder's hits carry their stacks");
            assertEquals(Optional.empty(), t.go(() -> false), "at the end g has nothing more");
            KdTarget.Found f = t.poolfind(TagPattern.of("alloc_pipe_info"), null);
            long mine = f.allocations().stream().filter(a -> a.pid() == pid).count();
            assertTrue(mine >= KdLiveTest.PIPES, "the holder's outstanding pipes at the end: " + mine);
            assertTrue(f.allocations().stream().filter(a -> a.pid() == pid).allMatch(a -> a.stackTag().startsWith("~")));
            long addr = f.allocations().stream().filter(a -> a.pid() == pid).findFirst().orElseThrow().address();
            assertEquals(addr, t.pool(addr + 8).orElseThrow().address(), "!pool finds the block holding an address");
        }

        CliRun info = CliRun.of("kd", "--recording", file.toString(), "-c", ".reload; !poolused 2 kmalloc-*");
        assertEquals(0, info.exit(), info.out() + info.err());
        assertTrue(info.out().matches("(?s).*\nLoaded \\d{4,} kernel symbols, .*"), info.out());
        assertTrue(info.out().contains(" kmalloc-"), info.out());
    }
}
