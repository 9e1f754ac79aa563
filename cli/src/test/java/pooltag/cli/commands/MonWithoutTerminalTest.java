package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * {@code mon} without a terminal (a test JVM has none: stdin and stdout are pipes, as for {@code mon | cat} or cron)
 * prints plain newline-ended snapshots, as {@code --batch} does, on the command's stdout; JLine warns of nothing
 * (it warned in two lines on stderr that it fell back to a dumb terminal, and the screen's lines were joined by bare
 * CRs).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MonWithoutTerminalTest {
    @Test
    void withoutATerminalMonPrintsPlainLinesAndJLineSaysNothing() {
        UsageSnapshot s = new UsageSnapshot(1, "test", List.of(
                new TagUsage("kmalloc-64", TagKind.CACHE, Pool.NONPAGED, TagUsage.UNKNOWN, TagUsage.UNKNOWN, 10, 640,
                        "")), Loss.NONE);
        List<LogRecord> warned = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warned.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jline = Logger.getLogger("org.jline");
        jline.addHandler(h);
        try {
            CliRun r = CliRun.of(cl -> ((MonCommand) cl.getSubcommands().get("mon").getCommand()).usageSource = () -> s,
                    "mon");
            assertEquals(0, r.exit(), r.err());
            assertEquals("", r.err());
            assertFalse(r.out().contains("\r"), r.out());
            assertEquals(" Snapshot 1 of 1 at +0.000 s (test)", r.outLines().get(0), r.out());
            assertTrue(r.outLines().stream().anyMatch(l -> l.startsWith(" kmalloc-64 ") && l.contains(" 640 ")),
                    r.out());
            assertEquals(List.of(), warned.stream().map(LogRecord::getMessage).toList());
        } finally {
            jline.removeHandler(h);
        }
    }
}
