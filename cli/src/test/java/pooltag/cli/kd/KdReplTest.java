package pooltag.cli.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import pooltag.engine.publish.AddressPolicy;
import pooltag.engine.kd.ScriptedTarget;

/** The {@code kd> } prompt on a terminal: JLine reads the lines, completes, and ends on q or Ctrl-D. */
class KdReplTest {
    /** Keys through a pipe kept open: an input that ends would close the terminal under the reader. */
    private static Terminal terminal(String keys, ByteArrayOutputStream out) throws Exception {
        PipedOutputStream typed = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(typed, 1 << 16);
        typed.write(keys.getBytes(StandardCharsets.UTF_8));
        typed.flush();
        // The exec provider gives an external terminal over the streams; the native ones would put a pty (with its
        // own line discipline) in between.
        return TerminalBuilder.builder().system(false).provider("exec").streams(in, out).type("dumb")
                .size(new Size(120, 24)).build();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void promptRunsThePagesCommandsUntilQ() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ScriptedTarget t = new ScriptedTarget();
        // '!' must reach the console as typed: no history expansion of "!poolfind".
        try (Terminal term = terminal("ed nt!poolhittag ' cbA'\ndb nt!poolhittag L4\n!poolfind Abc\nq\n.reload\n", bytes)) {
            KdConsole c = new KdConsole(t, term.writer(), AddressPolicy.masked(), KdRepl.terminalBreakIn(term));
            assertEquals(0, KdRepl.interactive(c, KdRepl.reader(term, null)));
            term.flush();
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("kd> "), out);
        assertTrue(out.contains("nt!PoolHitTag  41 62 63 20                                      Abc "), out);
        assertTrue(out.contains("Searching NonPaged and Paged pools for tag Abc"), out);
        assertTrue(!out.contains("Loaded"), "nothing runs after q: " + out);
        assertEquals(List.of("arm Abc"), t.calls);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void ctrlDEndsThePromptLoop() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ScriptedTarget t = new ScriptedTarget();
        try (Terminal term = terminal(".reload\n\u0004", bytes)) {
            KdConsole c = new KdConsole(t, term.writer(), AddressPolicy.masked(), KdConsole.BreakIn.NONE);
            assertEquals(0, KdRepl.interactive(c, KdRepl.reader(term, null)));
            term.flush();
        }
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("Loaded 184523 kernel symbols, 63 modules"));
        assertEquals(List.of("reload"), t.calls);
    }

    private static List<String> complete(String line) throws Exception {
        try (Terminal term = terminal("", new ByteArrayOutputStream())) {
            LineReader reader = KdRepl.reader(term, null);
            ParsedLine parsed = reader.getParser().parse(line, line.length());
            List<Candidate> candidates = new ArrayList<>();
            KdRepl.completer().complete(reader, parsed, candidates);
            return candidates.stream().map(Candidate::value).filter(v -> v.startsWith(parsed.word()))
                    .sorted().distinct().toList();
        }
    }

    @Test
    void completesCommandNamesAndThePoolHitTagSymbol() throws Exception {
        assertEquals(List.of("!pool", "!poolfind", "!poolused"), complete("!po"));
        assertEquals(List.of(".reload"), complete(".re"));
        assertEquals(List.of("nt!poolhittag"), complete("db nt!p"));
        assertEquals(List.of("nt!poolhittag"), complete("ed "));
        assertEquals(List.of(), complete("g nt!p"));
    }
}
