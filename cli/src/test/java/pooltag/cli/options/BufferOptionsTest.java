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
    /** The commands that open a trace session. */
    static final List<String> TRACING = List.of("record", "hunt", "hit", "find", "mon");

    @Test
    void everyTracingCommandTakesTheSameBufferOptions() {
        for (String cmd : TRACING) {
            CommandLine sub = Main.commandLine().getSubcommands().get(cmd);
            assertNotNull(sub.getCommandSpec().findOption("--buffer-kb"), cmd + " --buffer-kb");
            assertNotNull(sub.getCommandSpec().findOption("--rate"), cmd + " --rate");
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
