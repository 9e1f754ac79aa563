package pooltag.linux.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.tracefs.InstanceOwner;
import pooltag.linux.tracefs.Tracefs;

/**
 * Issue 13's kernel hygiene, live: a pooltag in another PID namespace keeps tracing while one starts outside, and
 * SIGKILLs at random moments of setup, tracing and teardown leave nothing once the next pooltag has started. Each test
 * judges only the instances its own children made (other pooltag processes run on this machine meanwhile).
 */
class HygieneLiveTest {
    private final List<Process> children = new ArrayList<>();
    private Tracefs fs;

    @AfterEach
    void reap() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (fs != null) {
            assertEquals(List.of(), Live.ourInstances(fs), "instances left behind");
        }
    }

    /** A child's marker lines, read on a thread of their own. */
    static final class Lines {
        final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        final StringBuilder all = new StringBuilder();
        volatile String last = "";
        final Thread reader;

        Lines(Process p) {
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        synchronized (all) {
                            all.append(l).append('\n');
                        }
                        last = l;
                        queue.add(l);
                    }
                } catch (java.io.IOException ignored) {
                    // the child died
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        String await(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String l = queue.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null) {
                    return null;
                }
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
        }

        String text() {
            synchronized (all) {
                return all.toString();
            }
        }
    }

    /** Top-level kmem event state (enable, filter, trigger): ours is never there, before or after. */
    private Map<String, String> topLevelKmem() throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (var s = Files.list(fs.root().resolve("events/kmem"))) {
            for (Path ev : (Iterable<Path>) s::iterator) {
                if (Files.isDirectory(ev)) {
                    for (String f : new String[] {"enable", "filter", "trigger"}) {
                        m.put(ev.getFileName() + "/" + f, Files.readString(ev.resolve(f)));
                    }
                }
            }
        }
        return m;
    }

    private static void makePipes(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            Pipe p = Pipe.open();
            p.sink().close();
            p.source().close();
        }
    }

    private static long count(String eventsLine) {
        return Long.parseLong(eventsLine.split(" ")[1]);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aPooltagInAnotherPidNamespaceKeepsTracingWhileAnotherStartsOutside() throws Exception {
        fs = Live.tracefsOrSkip();
        Process probe = new ProcessBuilder("unshare", "-pf", "--mount-proc", "true").redirectErrorStream(true).start();
        String why = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assumeTrue(probe.waitFor() == 0, "unshare -pf --mount-proc does not work here: " + why);

        Process inner = SessionChild.command("follow", "unshare", "-pf", "--mount-proc", "--kill-child")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        children.add(inner);
        Lines lines = new Lines(inner);
        String named = lines.await("instance ", Duration.ofSeconds(90));
        assertTrue(named != null, "the inner pooltag started: " + lines.text());
        String name = named.substring("instance ".length());
        InstanceOwner owner = InstanceOwner.parse(name);
        assertTrue(owner != null && owner.pidNamespace() != InstanceOwner.current().pidNamespace(),
                "the inner instance names its own PID namespace: " + name);
        Path dir = fs.instancesDir().resolve(name);
        makePipes(2000);
        long before = count(lines.await("events ", Duration.ofSeconds(30)));

        // Another pooltag starts outside: its sweep sees the inner instance, whose pid it cannot look up directly.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long outerEvents;
        try (TraceSession outer = TraceSession.open(SessionChild.config(), fs, new PrintStream(err, true))) {
            long[] n = new long[1];
            outer.start(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent e) {
                    n[0]++;
                }

                @Override
                public void onLoss(int cpu, long c) {
                }
            });
            makePipes(2000);
            outer.awaitStopRequest(Duration.ofSeconds(1));
            outer.stop();
            outerEvents = n[0];
        }
        assertFalse(err.toString().contains(name), "the outer pooltag left the inner instance alone: " + err);
        assertTrue(outerEvents > 0, "the outer pooltag traced too");
        assertTrue(Files.isDirectory(dir), "the inner instance survives the outer start");
        assertEquals("1", Files.readString(dir.resolve("tracing_on")).trim(), "and is still tracing");
        assertEquals("1", Files.readString(dir.resolve("events/kmem/kmalloc/enable")).trim().substring(0, 1));
        lines.queue.clear();
        makePipes(2000);
        String later = lines.await("events ", Duration.ofSeconds(30));
        later = lines.await("events ", Duration.ofSeconds(30));
        assertTrue(later != null && count(later) > before && !later.endsWith("failed"),
                "the inner pooltag still gets events after the outer start: " + before + " then " + later);

        inner.getOutputStream().close(); // the inner one stops normally and removes its instance
        assertTrue(lines.await("closed", Duration.ofSeconds(60)) != null, lines.text());
        assertTrue(inner.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(dir), "the inner pooltag removed its own instance");

        // Control: a SIGKILLed inner pooltag (its namespace then has no process) is provably dead, and swept.
        Process killed = SessionChild.command("follow", "unshare", "-pf", "--mount-proc", "--kill-child")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        children.add(killed);
        Lines kl = new Lines(killed);
        String kname = kl.await("instance ", Duration.ofSeconds(90));
        assertTrue(kname != null, kl.text());
        Path kdir = fs.instancesDir().resolve(kname.substring("instance ".length()));
        killed.destroyForcibly(); // unshare dies; --kill-child SIGKILLs the inner pooltag: no hook runs
        assertTrue(killed.waitFor(30, TimeUnit.SECONDS));
        awaitGoneNamespace(InstanceOwner.parse(kdir.getFileName().toString()));
        assertTrue(Files.isDirectory(kdir), "SIGKILL leaves the inner instance");
        ByteArrayOutputStream err2 = new ByteArrayOutputStream();
        fs.removeStaleInstances(new PrintStream(err2, true));
        assertFalse(Files.exists(kdir), "a dead namespace's instance is swept: " + err2);
        assertTrue(err2.toString().contains("has no process left"), err2.toString());
    }

    /** --kill-child sends SIGKILL as unshare dies; the inner JVM takes a moment to be gone from /proc. */
    private static void awaitGoneNamespace(InstanceOwner o) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean any = false;
            try (var s = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    try {
                        any |= Files.readSymbolicLink(p.resolve("ns/pid")).toString()
                                .equals("pid:[" + o.pidNamespace() + "]");
                    } catch (Exception ignored) {
                        // not a process, or gone
                    }
                }
            }
            if (!any) {
                return;
            }
            Thread.sleep(50);
        }
    }

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void fiftySigkillsAtRandomMomentsThenOneStartLeaveNothingOfOurs() throws Exception {
        fs = Live.tracefsOrSkip();
        Map<String, String> topBefore = topLevelKmem();
        Random r = new Random(13);
        String[] phases = {"setup", "tracing", "teardown"};
        Map<String, Integer> killedIn = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        int leftAtKill = 0;
        for (int i = 0; i < 50; i++) {
            Process p = SessionChild.command("cycle").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            children.add(p);
            Lines lines = new Lines(p);
            // Aim at a phase (round robin), then kill 0-40 ms after the child announced it; the phase actually hit is
            // the last marker the child printed.
            String aim = phases[i % 3];
            String first = lines.await("setup", Duration.ofSeconds(60));
            assertTrue(first != null, "child " + i + " started: " + lines.text());
            String name = InstanceOwner.of(p.pid()).instanceName();
            names.add(name);
            if (!aim.equals("setup")) {
                lines.await(aim, Duration.ofSeconds(60));
            }
            Thread.sleep(r.nextInt(41));
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            lines.reader.join(5000);
            killedIn.merge(lines.last, 1, Integer::sum);
            if (Files.exists(fs.instancesDir().resolve(name))) {
                leftAtKill++;
            }
        }
        // One normal start: its sweep must remove whatever the kills left.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (TraceSession s = TraceSession.open(SessionChild.config(), fs, new PrintStream(err, true))) {
            assertTrue(s.instance().name().equals(InstanceOwner.current().instanceName()));
        }
        List<String> left = new ArrayList<>();
        for (String n : names) {
            if (Files.exists(fs.instancesDir().resolve(n))) {
                left.add(n);
            }
        }
        System.err.println("HYGIENE 50 SIGKILLs: last marker before the kill " + killedIn + "; " + leftAtKill
                + " kills left an instance at the moment of the kill; left after one start: " + left.size());
        assertEquals(List.of(), left, "instances of killed children left after one normal start: " + err);
        assertEquals(topBefore, topLevelKmem(), "the top-level kmem events are as they were");
        assertTrue(leftAtKill > 0, "a control: some kills did leave an instance for the sweep to remove");
    }
}
