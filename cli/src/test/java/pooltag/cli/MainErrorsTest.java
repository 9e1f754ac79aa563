package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;

/** Issue 13: whatever the input, one line naming what is wrong, exit 2, no Java stack trace (unless --debug). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MainErrorsTest {
    record Run(int rc, String err) {
    }

    static Run run(boolean debug, String... args) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine(debug);
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void badInputsAnswerOneLineAndStatusTwo() {
        List<String[]> inputs = List.of(
                new String[] {"hit", "filp", "--duration", "9999999999999999h"},
                new String[] {"hunt", "--duration", "9999999999999999999999s"},
                new String[] {"record", "-o", "/nonexistent-dir/x.ptrec", "--duration", "12q"},
                new String[] {"serve", "--interval", "NaN"},
                new String[] {"serve", "--interval", "1e400"},
                new String[] {"serve", "--history", "99999999999"},
                new String[] {"serve", "--listen", "127.0.0.1:99999"},
                new String[] {"exporter", "--top", "0"},
                new String[] {"poolused", "--bogus"},
                new String[] {"mon", "--count", "x"},
                new String[] {"poolused", "9"},
                new String[] {"report", "/nonexistent/recording.ptrec"},
                new String[] {"kbpair", "/nonexistent/transcript.txt"});
        for (String[] args : inputs) {
            Run r = run(false, args);
            String what = String.join(" ", args) + " ->\n" + r.err();
            assertEquals(2, r.rc(), what);
            assertEquals(1, r.err().strip().lines().count(), "one line: " + what);
            assertTrue(r.err().startsWith("pooltag: "), what);
            assertFalse(r.err().contains("\tat ") || r.err().contains("Exception:"), "no stack trace: " + what);
        }
    }

    @Test
    void theMessageNamesTheOptionOrValue() {
        assertTrue(run(false, "serve", "--interval", "NaN").err().contains("--interval"));
        assertTrue(run(false, "hit", "filp", "--duration", "9999999999999999h").err().contains("9999999999999999h"));
        assertTrue(run(false, "mon", "--count", "x").err().contains("--count"));
    }

    /** A number the command parses itself, out of range: the generic rule still gives one line naming the value. */
    @Test
    void anUnexpectedNumberFormatIsOneLineToo() {
        StringWriter sw = new StringWriter();
        int rc = Main.report(new NumberFormatException("For input string: \"99999999999999999999\""), "pooltag hit",
                new PrintWriter(sw, true));
        assertEquals(2, rc);
        assertEquals("pooltag: pooltag hit: cannot use the value given (For input string: \"99999999999999999999\"); see"
                + " pooltag hit --help", sw.toString().strip());
        StringWriter bug = new StringWriter();
        assertEquals(70, Main.report(new IllegalStateException("x\ny"), "pooltag mon", new PrintWriter(bug, true)));
        assertEquals(1, bug.toString().strip().lines().count(), bug.toString());
    }

    @Test
    void debugAddsTheStackTrace() {
        Run r = run(true, "serve", "--interval", "NaN");
        assertEquals(2, r.rc());
        assertTrue(r.err().startsWith("pooltag: --interval") && r.err().contains("\tat "), r.err());
    }
}
