package pooltag.cli.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import pooltag.cli.Main;

class ExporterCommandTest {
    static String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void traceIsDescribedInTheHelp() {
        // --trace itself is tested live (ExporterTraceLiveTest): the command serves until killed.
        String[] r = run("help", "exporter");
        assertEquals("0", r[0]);
        String help = r[1].replaceAll("\\s+", " ");
        org.junit.jupiter.api.Assertions.assertTrue(help.contains("pooltag_trace_allocs_total"), help);
        org.junit.jupiter.api.Assertions.assertFalse(help.contains("not available"), help);
    }

    @Test
    void topBelowOneIsRefused() {
        String[] r = run("exporter", "--top", "0");
        assertEquals("2", r[0]);
        assertEquals("pooltag: --top must be at least 1 (was 0)\n", r[2]);
    }

    @Test
    void helpSaysHowCardinalityIsBoundedAndWhenValuesAreRead() {
        String[] r = run("help", "exporter");
        assertEquals("0", r[0]);
        String help = r[1].replaceAll("\\s+", " ");
        org.junit.jupiter.api.Assertions.assertTrue(help.contains("summed into one tag=\"other\" series per pool"), help);
        org.junit.jupiter.api.Assertions.assertTrue(help.contains("read fresh at every scrape"), help);
    }
}
