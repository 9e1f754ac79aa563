package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import pooltag.cli.Main;
import pooltag.cli.kd.KdConsole;
import pooltag.engine.testkit.Live;
import pooltag.linux.tracefs.Tracefs;

/**
 * {@code pooltag kd} on the live kernel, driven line by line as a user would: PoolHitTag on hugetlbfs_inode_cache while
 * the leak corpus's child makes 23 files on its private hugetlbfs mount, g/kb/!poolfind, disarm, and the teardown on
 * q, Ctrl-D, a failing console and SIGKILL.
 *
 * <p>Why hugetlbfs and not pipes: kd keeps at most 256 breaks while the user reads, and g steps through them in order.
 * alloc_pipe_info is every process's: with a pipe-making workload beside the test (fsbench, 2026-12-01) 300 g's saw
 * only its pipes and the child's were dropped. The inodes of the child's own mount are made by the child alone.
 */
class KdLiveTest {
    /** Distinctive: a count that other activity is unlikely to produce by accident (pipes or files). */
    static final int PIPES = 23;
    /** The tag the hit test breaks on: a cache only the child's private hugetlbfs mount allocates from. */
    static final String PRIVATE_TAG = pooltag.cli.leaks.LeakChild.PRIVATE_TAG;

    @TempDir
    Path dir;
    private Tracefs fs;
    private pooltag.cli.leaks.LeakChild holder;
    private Process child;

    @AfterEach
    void nothingLeftBehind() throws Exception {
        if (holder != null) {
            holder.close();
        }
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (fs != null) {
            assertFalse(Files.exists(Live.ownInstance(fs)), "this JVM's instance is gone");
        }
    }

    /** {@code pooltag kd} in this JVM, reading commands from a pipe the test writes, as a script (no terminal). */
    static final class Console {
        final PipedOutputStream keys = new PipedOutputStream();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final Thread thread;
        volatile int exit = -1;
        private int marks;

        Console(InputStream wrap, String... args) throws IOException {
            KdCommand cmd = new KdCommand();
            cmd.scriptBreakIn = KdConsole.BreakIn.NONE;
            cmd.stdinIsTerminal = () -> false;
            cmd.stdin = wrap;
            CommandLine cl = new CommandLine(cmd);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            thread = new Thread(() -> exit = cl.execute(args), "kd-console");
            thread.start();
        }

        static Console start(String... args) throws IOException {
            PipedInputStream in = new PipedInputStream(1 << 16);
            Console c = new Console(in, args);
            c.keys.connect(in);
            return c;
        }

        void send(String line) throws IOException {
            keys.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            keys.flush();
        }

        /** Sends a comment line and waits for its echo: every command sent before it has finished. */
        String sync(long timeoutSeconds) throws Exception {
            String mark = "* mark " + (++marks);
            send(mark);
            await(s -> s.contains("kd> " + mark + "\n"), timeoutSeconds);
            return out.toString();
        }

        void await(Predicate<String> p, long timeoutSeconds) throws Exception {
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            while (!p.test(out.toString())) {
                assertTrue(thread.isAlive(), "console ended early: " + out + err);
                assertTrue(System.nanoTime() < deadline, "timed out; output so far:\n" + out + err);
                Thread.sleep(20);
            }
        }

        /** q: the console ends with 0 and has removed {@code instance}. */
        void quitRemoving(Path instance) throws Exception {
            send("q");
            assertEquals(0, join(), out + "\n" + err);
            assertFalse(Files.exists(instance), "q removed the instance");
        }

        /** For a finally: end of input, and the console's thread given 30 s to end. */
        void end() throws Exception {
            keys.close();
            thread.join(30_000);
        }

        int join() throws Exception {
            thread.join(30_000);
            assertFalse(thread.isAlive(), "console ended");
            return exit;
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void privateTagHitBreaksWithItsStackPoolfindListsTheFilesAndQRemovesEverything() throws Exception {
        fs = Live.tracefsOrSkip();
        Path instance = Live.ownInstance(fs);
        pooltag.cli.leaks.LeakChild.assumePrivateKind("KdLiveTest");
        holder = pooltag.cli.leaks.LeakChild.start(pooltag.cli.leaks.LeakChild.PRIVATE_KIND, PIPES, 1000); // prepared (mounted) before arming
        Console c = Console.start();
        try {
            c.send("ed nt!poolhittag \"" + PRIVATE_TAG + "\"");
            String armed = c.sync(60);
            assertFalse(armed.contains("will not break") || armed.contains("cannot break"), armed + c.err);
            List<String> triggers = Live.kmemTriggers(instance);
            assertFalse(triggers.isEmpty(), "stacktrace triggers installed");
            assertTrue(triggers.stream().allMatch(t -> t.contains("stacktrace") && t.contains(PRIVATE_TAG)),
                    triggers.toString());

            holder.leak();
            long pid = holder.pid();

            // g until the break is the holder's, as one would in kd (the tag is ours, but a break of another
            // process, had it one, would not fail the test).
            String breakLine = null;
            String stack = null;
            for (int i = 0; i < 300 && breakLine == null; i++) {
                int from = c.out.toString().length();
                c.send("g");
                c.send("kb");
                String all = c.sync(60);
                String chunk = all.substring(from);
                Matcher m = Pattern.compile("(?m)^alloc: tag " + PRIVATE_TAG + ", .*, pid " + pid + " .*$").matcher(chunk);
                if (m.find()) {
                    breakLine = m.group();
                    stack = chunk.substring(chunk.indexOf("kd> kb"));
                }
            }
            assertTrue(breakLine != null, "a break of the holder: " + c.out);
            assertTrue(breakLine.contains("(leaker"), "comm named: " + breakLine);
            assertTrue((stack.contains(" hugetlbfs_alloc_inode+") || stack.contains(" hugetlbfs_get_inode+"))
                    && (stack.contains("do_sys_openat2") || stack.contains("__x64_sys_openat")), "kb:\n" + stack);
            assertFalse(stack.lines().anyMatch(l -> l.matches("00 trace_event_raw_event_.*")),
                    "the tracepoint's own frames are skipped:\n" + stack);

            int from = c.out.toString().length();
            c.send("!poolfind " + PRIVATE_TAG);
            String found = c.sync(60).substring(from);
            long mine = found.lines().filter(l -> l.contains(" : tag " + PRIVATE_TAG + ",")
                    && l.contains(", pid " + pid + " ")).count();
            assertTrue(mine >= PIPES, "at least " + PIPES + " of the holder's allocations listed:\n" + found);
            assertTrue(found.lines().anyMatch(l -> l.contains(", pid " + pid + " ") && l.contains(", stack ~")),
                    "with their stack tags:\n" + found);
            Matcher total = Pattern.compile("(?m)^(\\d+) allocations?, ").matcher(found);
            assertTrue(total.find() && Long.parseLong(total.group(1)) >= PIPES, found);
            assertTrue(found.contains("\n Loss: "), "the ledger's loss is printed:\n" + found);

            c.send("ed nt!poolhittag 0");
            c.sync(60);
            assertTrue(Files.isDirectory(instance), "still tracing");
            assertEquals(List.of(), Live.kmemTriggers(instance), "disarm removed every trigger");

            c.quitRemoving(instance);
        } finally {
            c.end();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void ctrlDWithAHitArmedRemovesTheInstance() throws Exception {
        fs = Live.tracefsOrSkip();
        Path instance = Live.ownInstance(fs);
        Console c = Console.start();
        c.send("ed nt!poolhittag \"dentry\"");
        c.sync(60);
        assertFalse(Live.kmemTriggers(instance).isEmpty(), "armed: " + c.out);
        c.keys.close(); // end of input: Ctrl-D
        assertEquals(0, c.join(), c.out + "\n" + c.err);
        assertFalse(Files.exists(instance), "Ctrl-D removed the instance");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aConsoleThatFailsStillRemovesTheInstance() throws Exception {
        fs = Live.tracefsOrSkip();
        Path instance = Live.ownInstance(fs);
        PipedInputStream pipe = new PipedInputStream(1 << 16);
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (broken.get()) {
                    throw new IOException("terminal gone (test)");
                }
                return pipe.read(b, off, Math.min(len, 1)); // one byte at a time: never reads past a line
            }
        };
        Console c = new Console(failing);
        c.keys.connect(pipe);
        c.send("ed nt!poolhittag \"alloc_pipe_info\"");
        c.sync(60);
        assertFalse(Live.kmemTriggers(instance).isEmpty(), "armed: " + c.out);
        broken.set(true);
        c.send("g"); // wakes the reader, which now fails
        int exit = c.join();
        assertNotEquals(0, exit, "the console failed: " + c.out + c.err);
        assertFalse(Files.exists(instance), "the failing console removed the instance");
        c.keys.close();
    }

    private Process startKd(Path log, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "kd"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aKilledConsolesInstanceIsReportedAndRemovedByTheNextKd() throws Exception {
        fs = Live.tracefsOrSkip();
        // Any pooltag that starts sweeps dead owners' instances, so another one on this machine (a second suite, a
        // user's) may remove the killed console's instance before this test's next kd does. Only what this test's own
        // next kd did is judged: when another process got there first, the scenario is run again.
        String text = null;
        Path instance = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            Path killedLog = dir.resolve("killed-" + attempt + ".txt");
            child = startKd(killedLog);
            instance = fs.instancesDir().resolve(pooltag.linux.tracefs.InstanceOwner.of(child.pid()).instanceName());
            try (OutputStream keys = child.getOutputStream()) {
                keys.write("ed nt!poolhittag \"alloc_pipe_info\"\n".getBytes(StandardCharsets.UTF_8));
                keys.flush();
                long deadline = System.nanoTime() + 90_000_000_000L;
                while (Live.kmemTriggers(instance).isEmpty()) {
                    assertTrue(child.isAlive(), Files.readString(killedLog));
                    assertTrue(System.nanoTime() < deadline, "kd child armed the hit: " + Files.readString(killedLog));
                    Thread.sleep(50);
                }
                child.destroyForcibly(); // SIGKILL: no hook runs
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
            if (!Files.exists(instance)) { // SIGKILL runs nothing: another pooltag swept it already
                System.err.println("KdLiveTest: attempt " + attempt + ": " + instance.getFileName() + " swept by"
                        + " another pooltag right after the kill; running the scenario again");
                continue;
            }
            assertFalse(Live.kmemTriggers(instance).isEmpty(), "SIGKILL leaves the instance and its trigger");

            Path log = dir.resolve("next-" + attempt + ".txt");
            Process next = startKd(log, "-c", ".reload");
            assertTrue(next.waitFor(120, TimeUnit.SECONDS), "next kd finished");
            text = Files.readString(log);
            assertEquals(0, next.exitValue(), text);
            assertFalse(Files.exists(instance), "stale instance removed: " + text);
            if (text.contains("removed stale tracefs instance " + instance.getFileName())) {
                break;
            }
            System.err.println("KdLiveTest: attempt " + attempt + ": " + instance.getFileName() + " was removed by"
                    + " another pooltag before this test's next kd started; running the scenario again");
        }
        assertTrue(text != null && text.contains("removed stale tracefs instance " + instance.getFileName()),
                "three attempts, each disturbed by another pooltag; last next kd's output: " + text);
    }
}
