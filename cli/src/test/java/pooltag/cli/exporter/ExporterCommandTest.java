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
        assertEquals("pooltag: Invalid value for option '--top': must be at least 1, got 0 (see pooltag exporter --help)\n",
                r[2]);
    }

    @Test
    void helpSaysHowCardinalityIsBoundedAndWhenValuesAreRead() {
        String[] r = run("help", "exporter");
        assertEquals("0", r[0]);
        String help = r[1].replaceAll("\\s+", " ");
        org.junit.jupiter.api.Assertions.assertTrue(help.contains("summed into one tag=\"other\" series per pool"), help);
        org.junit.jupiter.api.Assertions.assertTrue(help.contains("read fresh at every scrape"), help);
    }

    @Test
    void aLinkLocalListenWithoutAZoneIsBadInputNotABug() {
        // Refused before procfs is read or anything bound: the same line for root and for anyone else.
        String[] r = run("exporter", "--listen", "[fe80::1]:18112");
        assertEquals("pooltag: cannot listen on [fe80::1]:18112: invalid argument (a link-local IPv6 address needs its"
                + " interface, e.g. [fe80::1%eth0])\n", r[2]);
        assertEquals("2", r[0]);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // were the bind to succeed, the command would serve until killed
    void aBusyPortIsOneLineAndExit2() throws Exception {
        pooltag.engine.testkit.Live.assumeLive(); // the command reads /proc/slabinfo (root) before it binds
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            String[] r = run("exporter", "--no-cgroups", "--listen", "127.0.0.1:" + busy.getLocalPort());
            assertEquals("pooltag: cannot listen on 127.0.0.1:" + busy.getLocalPort() + ": address already in use"
                    + " (another exporter running? choose another --listen port)\n", r[2]);
            assertEquals("2", r[0]);
        }
    }
}
