package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import pooltag.cli.ChildCommand;
import pooltag.cli.Main;
import pooltag.engine.testkit.Live;
import pooltag.linux.tracefs.InstanceOwner;
import pooltag.linux.tracefs.Tracefs;

/**
 * Live: {@code record} on a file system that fills up. Its raw pages are spooled beside the file while tracing and
 * compressed into it after the stop, so a disk that fills while tracing would once fail the session at the first
 * short write and keep nothing. Now it looks at the free space with every slabinfo sample (500 ms) and stops, as on a
 * signal, while a reserve ({@code -Dpooltag.record.keepFreeMiB}, 256 MiB by default) and an eighth of the spool are
 * still free: the file is whole and readable, the spool is gone, and the exit code (1) and the message say it stopped
 * early. Too little room to begin with is a one-line error before anything is traced or created.
 *
 * <p>The disk is a private tmpfs of 192 MiB with a 128 MiB reserve; the workload is {@code leaks/storm.c} on a tmpfs
 * of its own (file creations at the machine's highest rate: tens of MB of pages a second). Measured on 2 CPUs
 * (2026-11-30, `mvn -pl cli surefire:test -Dtest=RecordOutOfRoomLiveTest`): stopped after 1.0 s of tracing (3.8 s with
 * the JVM's start) with 81.5 MB spooled and 115 MiB free, 1,264,717 events in a 6.3 MB file, {@code report} complete.
 */
class RecordOutOfRoomLiveTest {
    static final int KEEP_FREE_MIB = 128;

    @TempDir
    Path dir;
    private final List<Path> mounts = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();
    private final List<String> instances = new ArrayList<>();

    @AfterEach
    void cleanup() throws Exception {
        for (Process p : children) {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        for (Path m : mounts) {
            MonBatchLiveTest.run("umount", "-l", m.toString());
        }
        Path inst = Tracefs.locate().instancesDir();
        for (String name : instances) {
            Path p = inst.resolve(name);
            if (Files.exists(p)) {
                Files.delete(p); // only after a failure: the assertions below saw none left
            }
        }
    }

    private Path tmpfs(String name, String options) throws Exception {
        Path m = Files.createDirectory(dir.resolve(name));
        assertEquals(0, MonBatchLiveTest.run("mount", "-t", "tmpfs", "-o", options, "pooltag-" + name, m.toString()));
        mounts.add(m);
        return m;
    }

    /** {@code pooltag record} as a child JVM with this test's reserve. */
    private Process record(Path out, String duration, Path log) throws Exception {
        return pooltag(log, "record", "-o", out.toString(), "--duration", duration);
    }

    /** A pooltag command as a child JVM with this test's reserve, its output (both streams) to {@code log}. */
    private Process pooltag(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(ChildCommand.pooltag(args));
        cmd.add(cmd.indexOf("-cp"), "-Dpooltag.record.keepFreeMiB=" + KEEP_FREE_MIB);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(p);
        instances.add(InstanceOwner.of(p.pid()).instanceName());
        return p;
    }

    private Path compileStorm() throws Exception {
        Path src = dir.resolve("storm.c");
        try (var in = RecordOutOfRoomLiveTest.class.getResourceAsStream("/leaks/storm.c")) {
            Files.copy(in, src);
        }
        Path bin = dir.resolve("storm");
        assertEquals(0, MonBatchLiveTest.run("cc", "-O2", "-o", bin.toString(), src.toString()), "cc failed");
        return bin;
    }

    /** {@code report} reads the file to its END block, and what was traced until the stop is in it. */
    private static void assertWholeRecording(Path out) throws Exception {
        StringWriter js = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(js));
        assertEquals(0, cl.execute("report", "--json", out.toString()), js.toString());
        com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(js.toString());
        assertTrue(doc.at("/health/complete").asBoolean(), "the file has its END block: " + js);
        assertEquals(0, doc.at("/health/skipped_bytes").asLong(-1));
        assertTrue(doc.at("/total_events").asLong() > 100_000, "what was traced until the stop is in the file: " + js);
    }

    private List<String> filesIn(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aFillingDiskStopsTheRecordingWhichKeepsWhatItTraced() throws Exception {
        Tracefs fs = Live.tracefsOrSkip();
        Path disk = tmpfs("recdisk", "size=192m,mode=0700");
        Path stormDir = tmpfs("recstorm", "size=16m,nr_inodes=200000,mode=0700");
        Process storm = new ProcessBuilder(compileStorm().toString(), stormDir.toString(), "90")
                .redirectErrorStream(true).redirectOutput(dir.resolve("storm.txt").toFile()).start();
        children.add(storm);
        Path out = disk.resolve("rec.ptrec");
        Path log = dir.resolve("record.txt");
        long t0 = System.nanoTime();
        Process rec = record(out, "60s", log);
        assertTrue(rec.waitFor(150, TimeUnit.SECONDS), "record did not end");
        double took = (System.nanoTime() - t0) / 1e9;
        String said = Files.readString(log);
        System.out.printf("RECORD OUT OF ROOM: ended after %.1f s (exit %d), files %s%n%s", took, rec.exitValue(),
                filesIn(disk), said);
        assertEquals(1, rec.exitValue(), "stopped early for room: exit 1\n" + said);
        assertTrue(took < 55, "it stopped before its 60 s (" + took + " s)\n" + said);
        assertTrue(said.contains("stopped after") && said.contains("MiB free on the file system of " + out)
                && said.contains("kept to write the recording"), said);
        assertTrue(said.contains("spool") && said.contains("deleted"), "the spool was compressed and deleted\n" + said);
        assertEquals(List.of("rec.ptrec"), filesIn(disk), "no spool file left beside the recording");
        assertFalse(Files.exists(fs.instancesDir().resolve(instances.get(0))), "record left its instance");

        assertWholeRecording(out);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tooLittleRoomToBeginIsOneLineBeforeAnythingIsTraced() throws Exception {
        Tracefs fs = Live.tracefsOrSkip();
        Path disk = tmpfs("recsmall", "size=64m,mode=0700");
        Path out = disk.resolve("rec.ptrec");
        Path log = dir.resolve("small.txt");
        Process rec = record(out, "10s", log);
        assertTrue(rec.waitFor(40, TimeUnit.SECONDS), "record did not end");
        String said = Files.readString(log).strip();
        assertNotEquals(0, rec.exitValue(), said);
        assertTrue(said.lines().anyMatch(l -> l.matches(".*only 6[34] MiB free on the file system of \\Q" + out
                + "\\E: a recording keeps " + KEEP_FREE_MIB + " MiB free to write itself.*")), said);
        assertFalse(said.contains("Exception") || said.contains("\tat "), "no stack trace: " + said);
        assertEquals(List.of(), filesIn(disk), "no file made");
        assertFalse(Files.exists(fs.instancesDir().resolve(instances.get(0))), "no instance made");
    }

    /**
     * {@code hunt --record} writes its file while tracing (no spool): it looks at the room with every slabinfo sample
     * too, stops as on a signal while the reserve is still free, finishes the file and still ranks what it traced
     * (exit 0, the report follows).
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aFillingDiskStopsHuntRecordWhichStillRanks() throws Exception {
        String said = fillWhileRunning("hunt", 0, "hunt", "--duration", "60s", "--json", "--record");
        assertTrue(said.contains("\"findings\""), "the report followed: " + said.substring(0,
                Math.min(2000, said.length())));
    }

    /** {@code record --stacks leaders} traces as the hunt does, and stops for room as {@code record} does: exit 1. */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aFillingDiskStopsRecordStacksLeadersWithExitOne() throws Exception {
        String said = fillWhileRunning("leaders", 1, "record", "--stacks", "leaders", "--duration", "60s", "-o");
        assertTrue(said.contains("pooltag record: recorded"), said);
    }

    /**
     * Runs {@code args} plus the recording's path on a 192 MiB tmpfs that starts 8 MiB above the reserve (a filler
     * file takes the rest), beside the storm, so its pages use the room up within seconds; checks the stop for room,
     * the kept reserve, the whole file and that nothing is left behind. Returns what the command printed.
     */
    private String fillWhileRunning(String name, int exit, String... args) throws Exception {
        Tracefs fs = Live.tracefsOrSkip();
        Path disk = tmpfs(name + "disk", "size=192m,mode=0700");
        long fill = Files.getFileStore(disk).getUsableSpace() - ((KEEP_FREE_MIB + 8L) << 20);
        try (var out = Files.newOutputStream(disk.resolve("filler"))) { // written, not sparse: tmpfs counts pages
            byte[] mib = new byte[1 << 20];
            for (long left = fill; left > 0; left -= mib.length) {
                out.write(mib, 0, (int) Math.min(mib.length, left));
            }
        }
        Path stormDir = tmpfs(name + "storm", "size=16m,nr_inodes=200000,mode=0700");
        Process storm = new ProcessBuilder(compileStorm().toString(), stormDir.toString(), "90")
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + "-storm.txt").toFile()).start();
        children.add(storm);
        Path out = disk.resolve(name + ".ptrec");
        Path log = dir.resolve(name + ".txt");
        List<String> cmd = new ArrayList<>(List.of(args));
        cmd.add(out.toString());
        long t0 = System.nanoTime();
        Process p = pooltag(log, cmd.toArray(String[]::new));
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), name + " did not end");
        double took = (System.nanoTime() - t0) / 1e9;
        String said = Files.readString(log);
        String errLines = said.lines().filter(l -> l.startsWith("pooltag")).reduce("", (a, b) -> a + b + "\n");
        System.out.printf("%s OUT OF ROOM: ended after %.1f s (exit %d), files %s, %,d bytes free%n%s", cmd,
                took, p.exitValue(), filesIn(disk), Files.getFileStore(disk).getUsableSpace(), errLines);
        assertEquals(exit, p.exitValue(), errLines);
        assertTrue(took < 55, "it stopped before its 60 s (" + took + " s)\n" + errLines);
        assertTrue(said.contains("stopped after") && said.contains("MiB free on the file system of " + out)
                && said.contains("kept to write the recording"), errLines);
        assertEquals(List.of("filler", name + ".ptrec"), filesIn(disk));
        // the reserve, less what was written between the last look and the stop (6 MiB measured); unguarded, the
        // storm's pages would fill the disk within the 60 s
        assertTrue(Files.getFileStore(disk).getUsableSpace() > ((long) KEEP_FREE_MIB / 2 << 20),
                "the reserve was kept: " + Files.getFileStore(disk).getUsableSpace() + " bytes free");
        assertFalse(Files.exists(fs.instancesDir().resolve(instances.get(instances.size() - 1))),
                name + " left its instance");
        assertWholeRecording(out);
        return said;
    }
}
