package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import pooltag.engine.testkit.Live;
import pooltag.cli.Main;
import pooltag.linux.tracefs.Tracefs;

/** Signals to a running {@code pooltag record}: no instance survives SIGTERM; SIGKILL's is removed next run. */
class RecordTeardownTest {
    @TempDir
    Path dir;
    private Tracefs fs;
    private Process child;

    private Tracefs tracefsOrSkip() {
        return Live.tracefsOrSkip();
    }

    @AfterEach
    void cleanup() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (fs != null) {
            fs.removeStaleInstances(System.err); // never leave the SIGKILL test's instance behind
            assertEquals(List.of(), ours(), "instances left behind");
        }
    }

    /** Instances of the record processes this test started (other pooltag processes may run meanwhile). */
    private final java.util.Set<String> started = new java.util.HashSet<>();

    private List<String> ours() throws Exception {
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(fs.instancesDir())) {
            return s.map(p -> p.getFileName().toString()).filter(started::contains).sorted().toList();
        }
    }

    private Process startRecord(Path out, String duration) throws Exception {
        Process p = new ProcessBuilder(pooltag.cli.ChildCommand.pooltag(
                "record", "-o", out.toString(), "--duration", duration, "--buffer-kb", "2048"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("out-" + out.getFileName() + ".txt").toFile())
                .start();
        started.add(pooltag.linux.tracefs.InstanceOwner.of(p.pid()).instanceName());
        return p;
    }

    private Path awaitInstance(long pid) throws Exception {
        Path inst = fs.instancesDir().resolve(pooltag.linux.tracefs.InstanceOwner.of(pid).instanceName());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.exists(inst.resolve("per_cpu")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(inst), "record created " + inst);
        // Tracing on, then half a second for the machine to allocate something into the recording: a fixed sleep
        // from the instance's creation could end before a slow start on a loaded machine had begun to trace.
        HuntLiveTest.awaitTracing(inst, 500);
        return inst;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sigtermStopsRecordFinishesTheFileAndRemovesTheInstance() throws Exception {
        fs = tracefsOrSkip();
        Path out = dir.resolve("term.ptrec");
        child = startRecord(out, "10m");
        Path inst = awaitInstance(child.pid());
        child.destroy(); // SIGTERM
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "record exits on SIGTERM");
        String log = Files.readString(dir.resolve("out-term.ptrec.txt"));
        assertFalse(Files.exists(inst), "instance removed; output: " + log);
        StringWriter sw = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(sw));
        int rc = cl.execute("report", out.toString());
        assertTrue(sw.toString().contains(": complete"), "the file has its END block:\n" + sw + "\n" + log);
        assertEquals(0, rc);

        StringWriter js = new StringWriter();
        CommandLine cl2 = Main.commandLine();
        cl2.setOut(new PrintWriter(js));
        assertEquals(0, cl2.execute("report", "--json", out.toString()));
        com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(js.toString());
        assertTrue(doc.at("/health/complete").asBoolean());
        // Printed, zero included. Not required to be zero: the whole machine is traced into a 2 MiB buffer per CPU,
        // and what other processes allocate while this test runs is not the test's to judge.
        assertTrue(doc.at("/loss/lost_events").isIntegralNumber() && doc.at("/loss/lost_events").asLong() >= 0,
                "loss is printed, zero included: " + doc.at("/loss"));
        assertEquals(0, doc.at("/health/skipped_bytes").asLong(-1));
        assertTrue(doc.at("/total_events").asLong() > 0, "a running system allocates: " + js);
        assertTrue(doc.at("/tags").size() > 0);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sigintStopsRecordAndRemovesTheInstance() throws Exception {
        fs = tracefsOrSkip();
        Path out = dir.resolve("int.ptrec");
        child = startRecord(out, "10m");
        Path inst = awaitInstance(child.pid());
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start();
        assertEquals(0, kill.waitFor());
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "record exits on SIGINT");
        String log = Files.readString(dir.resolve("out-int.ptrec.txt"));
        assertFalse(Files.exists(inst), "instance removed; output: " + log);
        assertTrue(log.contains("stopped by signal"), log);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void afterSigkillTheNextRunRemovesTheStaleInstanceAndSaysSo() throws Exception {
        fs = tracefsOrSkip();
        // Any pooltag that starts sweeps dead owners' instances, so another one running on this machine (a second test
        // suite, a user's) may remove the killed child's instance before this test's next run does. Only what this
        // test's own next run did is judged: when another process got there first, the scenario is run again.
        String log = null;
        Path inst = null;
        Path killed = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            killed = dir.resolve("killed-" + attempt + ".ptrec");
            child = startRecord(killed, "10m");
            inst = awaitInstance(child.pid());
            child.destroyForcibly(); // SIGKILL: no hook runs
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            if (!Files.exists(inst)) { // SIGKILL runs nothing: another pooltag swept it already
                System.err.println("RecordTeardownTest: attempt " + attempt + ": " + inst.getFileName() + " swept by"
                        + " another pooltag right after the kill; running the scenario again");
                continue;
            }

            Process next = startRecord(dir.resolve("next-" + attempt + ".ptrec"), "1s");
            assertTrue(next.waitFor(60, TimeUnit.SECONDS));
            log = Files.readString(dir.resolve("out-next-" + attempt + ".ptrec.txt"));
            assertEquals(0, next.exitValue(), log);
            assertFalse(Files.exists(inst), "stale instance removed; output: " + log);
            if (log.contains("removed stale tracefs instance " + inst.getFileName())) {
                break;
            }
            System.err.println("RecordTeardownTest: attempt " + attempt + ": " + inst.getFileName() + " was removed by"
                    + " another pooltag before this test's next run started; running the scenario again");
        }
        assertTrue(log != null && log.contains("removed stale tracefs instance " + inst.getFileName()),
                "three attempts, each disturbed by another pooltag; last next run's output: " + log);

        // the killed recording has no END block: report reads what it can and says it was cut short
        StringWriter sw = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(sw));
        cl.setErr(new PrintWriter(sw));
        int rc = cl.execute("report", killed.toString());
        assertTrue(sw.toString().contains("CUT SHORT"), sw.toString());
        assertEquals(1, rc, "a cut-short recording reports with exit code 1");
    }
}
