package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.render.Json;

/**
 * {@code record} stopped by SIGINT finishes its file; a second SIGINT while it finishes (drain, spool compression,
 * trailer) is only acknowledged with what is left, the file is still finished and the summary follows (exit 0); a
 * third abandons the file, cut after its last whole block, and says exactly what it holds, which {@code report}
 * then reads (cut short, that many pages, that many bytes). Before, the second signal said "aborted, no report" and
 * exited 130 while the session's shutdown hook let the file finish anyway. The recorder runs as a child JVM so the
 * signals reach only it; a file-system walk runs while it traces, so there is a spool to compress after the stop.
 */
class RecordStopLiveTest {
    private static final Pattern ABANDONED = Pattern.compile("third SIGINT: abandoned (\\S+): it holds its preamble"
            + " and the first ([\\d,]+) pages of the ([\\d,]+) spooled \\(([\\d,]+) bytes, whole blocks\\) and no END"
            + " block; 'pooltag report' reads it as cut short");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aSecondSigintIsAcknowledgedAndTheFileIsFinished() throws Exception {
        HuntLiveTest.needsTracing();
        Path file = dir.resolve("two.ptr");
        Stopped r = recordAndSignal(file, 2);
        assertEquals(0, r.exit, r.err);
        assertTrue(r.err.contains("pooltag: SIGINT: stopping; finishing " + file + ": "), r.err);
        assertTrue(r.err.contains("pooltag: second SIGINT: already stopping; finishing " + file + ": "), r.err);
        assertFalse(r.err.contains("aborted"), r.err);
        assertTrue(r.err.contains("pooltag: recorded ") && r.err.contains(" to " + file + "; lost events: ")
                && r.err.contains("(stopped by signal)"), "the summary follows: " + r.err);
        Report rep = report(file);
        assertEquals(0, rep.exit, rep.out);
        assertTrue(rep.out.contains("\nhealth: complete; "), rep.out);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aThirdSigintAbandonsTheFileAndSaysWhatItHolds() throws Exception {
        HuntLiveTest.needsTracing();
        Path file = dir.resolve("three.ptr");
        Stopped r = recordAndSignal(file, 3);
        assertEquals(130, r.exit, r.err);
        assertTrue(r.err.contains("pooltag: second SIGINT: already stopping; finishing " + file), r.err);
        assertFalse(r.err.contains("pooltag: recorded "), "no summary after abandoning: " + r.err);
        Report rep = report(file);
        JsonNode health = rep.json.get("health");
        Matcher m = ABANDONED.matcher(r.err);
        if (m.find()) {
            assertEquals(file.toString(), m.group(1));
            assertEquals(1, rep.exit, rep.out);
            assertTrue(rep.out.contains("\nhealth: cut short; skipped bytes 0, skipped pages 0, damaged blocks 0,"),
                    rep.out);
            assertEquals(Long.parseLong(m.group(2).replace(",", "")), health.get("pages").asLong(), r.err);
            assertEquals(Long.parseLong(m.group(4).replace(",", "")), Files.size(file), r.err);
            assertTrue(Long.parseLong(m.group(2).replace(",", "")) <= Long.parseLong(m.group(3).replace(",", "")));
        } else {
            // the third signal came after END was written: the message says so, and the file reads complete
            assertTrue(r.err.contains("pooltag: third SIGINT: " + file + " was already finished (its END block is"
                    + " written)"), r.err);
            assertEquals(0, rep.exit, rep.out);
            assertTrue(rep.out.contains("\nhealth: complete; "), rep.out);
        }
    }

    record Stopped(int exit, String err) {
    }

    record Report(int exit, String out, JsonNode json) {
    }

    /**
     * Records while a file-system walk allocates, then sends {@code signals} SIGINTs, each once the child has said
     * it heard the previous one; checks that no instance, spool or sample spool is left.
     */
    private Stopped recordAndSignal(Path file, int signals) throws Exception {
        Path err = dir.resolve(file.getFileName() + ".err");
        Process p = new ProcessBuilder(pooltag.cli.ChildCommand.pooltag("record", "-o", file.toString(),
                "--duration", "120s")).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile())
                .start();
        List<Process> walks = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Path on;
            while ((on = HuntStopLiveTest.tracingOn(p.pid())) == null
                    || !Files.readString(err).contains("pooltag record: ")) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "record never traced: " + Files.readString(err));
                Thread.sleep(20);
            }
            // about 4 s of walking /usr on both CPUs: a spool of some hundred MB, compressed for some tenths of a second
            for (int i = 0; i < 2; i++) {
                walks.add(new ProcessBuilder("timeout", "4", "sh", "-c",
                        "while :; do find /usr -xdev >/dev/null 2>&1; done").start());
            }
            for (Process w : walks) {
                assertTrue(w.waitFor(30, TimeUnit.SECONDS));
            }
            String[] heard = {"SIGINT: stopping; ", "second SIGINT: ", "third SIGINT: "};
            for (int i = 0; i < signals; i++) {
                assertTrue(p.isAlive(), "record exited before signal " + (i + 1) + ": " + Files.readString(err));
                assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
                long heardBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Files.readString(err).contains(heard[i]) && System.nanoTime() < heardBy) {
                    Thread.sleep(2);
                }
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "record did not exit: " + Files.readString(err));
            String e = Files.readString(err);
            assertFalse(Files.exists(on.getParent()), "instance left behind: " + on.getParent() + "\n" + e);
            try (var left = Files.list(dir)) {
                List<String> names = left.map(f -> f.getFileName().toString()).sorted().toList();
                assertEquals(List.of(file.getFileName().toString(), err.getFileName().toString()), names.stream()
                        .filter(n -> n.startsWith(file.getFileName().toString())).toList(), "spools left: " + e);
            }
            return new Stopped(p.exitValue(), e);
        } finally {
            p.destroyForcibly();
            for (Process w : walks) {
                w.destroyForcibly();
            }
        }
    }

    private static Report report(Path file) throws Exception {
        Process t = new ProcessBuilder(pooltag.cli.ChildCommand.pooltag("report", file.toString()))
                .redirectErrorStream(true).start();
        String out = new String(t.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(t.waitFor(120, TimeUnit.SECONDS));
        Process j = new ProcessBuilder(pooltag.cli.ChildCommand.pooltag("report", "--json", file.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String json = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(j.waitFor(120, TimeUnit.SECONDS));
        return new Report(t.exitValue(), out, Json.MAPPER.readTree(json));
    }
}
