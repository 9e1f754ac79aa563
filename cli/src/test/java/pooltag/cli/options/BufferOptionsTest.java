package pooltag.cli.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import pooltag.cli.Main;
import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.TraceConfig;

class BufferOptionsTest {
    /** The commands that open a trace session (kd on the live kernel, exporter with --trace, serve's hit and hunt). */
    static final List<String> TRACING = List.of("record", "hunt", "hit", "find", "mon", "kd", "exporter", "serve");
    /** The commands that never trace: they read procfs, captures or recordings. */
    static final List<String> NOT_TRACING = List.of("help", "poolused", "diff", "trend", "kbpair", "tags", "report",
            "verifier");

    @Test
    void everyTracingCommandTakesTheSameBufferOptions() {
        // Every command is one or the other: a new command must be placed (kd, exporter and serve were not, and took
        // no buffer options while tracing with the default buffer).
        java.util.Set<String> all = new java.util.TreeSet<>(TRACING);
        all.addAll(NOT_TRACING);
        assertEquals(new java.util.TreeSet<>(Main.commandLine().getSubcommands().keySet()), all);
        for (String cmd : TRACING) {
            CommandLine sub = Main.commandLine().getSubcommands().get(cmd);
            assertNotNull(sub.getCommandSpec().findOption("--buffer-kb"), cmd + " --buffer-kb");
            assertNotNull(sub.getCommandSpec().findOption("--rate"), cmd + " --rate");
        }
        for (String cmd : NOT_TRACING) {
            CommandLine sub = Main.commandLine().getSubcommands().get(cmd);
            assertEquals(null, sub.getCommandSpec().findOption("--buffer-kb"), cmd + " traces nothing");
        }
    }

    @Test
    void theOptionsReachTheTraceConfigAndTheDefaultIsSizedFromTheRate() {
        BufferOptions o = new BufferOptions();
        new CommandLine(o).parseArgs("--buffer-kb", "2048");
        assertEquals(2048, o.apply(TraceConfig.kmem()).effectiveBufferSizeKb());
        BufferOptions d = new BufferOptions();
        new CommandLine(d).parseArgs();
        TraceConfig c = d.apply(TraceConfig.kmem());
        assertEquals(TraceConfig.DEFAULT_RATE, c.expectedEventsPerSecond());
        // 3 M events/s x 64 B x 250 ms = 46,875 KiB
        assertEquals(46_875, c.effectiveBufferSizeKb());
        assertTrue(c.describeBuffer().contains("--buffer-kb"), "the start-up line names the option");
        BufferOptions bad = new BufferOptions();
        new CommandLine(bad).parseArgs("--rate", "0");
        assertThrows(PooltagException.class, () -> bad.apply(TraceConfig.kmem()));
    }

    @Test
    void aNamedSubcommandBuildsOnlyItself() {
        CommandLine one = Main.commandLineFor(new String[] {"poolused", "4"});
        assertEquals(List.of("poolused"), List.copyOf(one.getSubcommands().keySet()));
        assertEquals(0, Main.commandLineFor(new String[] {"--version"}).getSubcommands().size());
        assertTrue(Main.commandLineFor(new String[] {"--help"}).getSubcommands().size() >= 15, "help lists all");
    }
}
