package pooltag.cli.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import pooltag.cli.commands.CliRun;
import pooltag.core.error.PooltagException;

/** The one duration grammar: bare seconds, fractions, units; junk and overflow are one line naming the option. */
class DurationsTest {
    @Test
    void bareNumbersAreSecondsAndUnitsAndFractionsWork() {
        assertEquals(Duration.ofSeconds(8), Durations.parse("--duration", "8"));
        assertEquals(Duration.ofSeconds(12), Durations.parse("--duration", "12"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("--duration", "1.5s"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("--duration", "1.5"));
        assertEquals(Duration.ofMillis(500), Durations.parse("--duration", "500ms"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("--duration", "5m"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("--duration", "1.5h"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("--duration", " 10S "));
    }

    @Test
    void junkZeroAndOverflowNameTheOption() {
        for (String bad : new String[] {"", "s", "8x", "-1", "1e3", "1.5.2s", "ten"}) {
            PooltagException e = assertThrows(PooltagException.class, () -> Durations.parse("--duration", bad), bad);
            assertEquals("--duration '" + bad + "': not a duration (a number of seconds, or with a unit: 500ms, 1.5s,"
                    + " 5m, 2h)", e.getMessage());
        }
        assertEquals("--duration '0': must be longer than 0",
                assertThrows(PooltagException.class, () -> Durations.parse("--duration", "0")).getMessage());
        assertEquals("--hunt-duration '99999999999999h': too long (at most about 292 years)",
                assertThrows(PooltagException.class, () -> Durations.parse("--hunt-duration", "99999999999999h"))
                        .getMessage());
    }

    @Test
    void aCommandAnswersABadDurationWithOneLineAndExitTwo() {
        CliRun r = CliRun.of("record", "-o", "/nonexistent/never-written.ptrec", "--duration", "99999999999999h");
        assertEquals(2, r.exit());
        assertEquals("pooltag: --duration '99999999999999h': too long (at most about 292 years)\n", r.err());
    }

    @Test
    void everyCommandAnswersHelp() {
        for (String c : new String[] {"poolused", "mon", "diff", "trend", "kbpair", "tags", "exporter", "serve",
                "record", "report", "hit", "hunt", "find", "kd"}) {
            CliRun r = CliRun.of(c, "--help");
            assertEquals(0, r.exit(), c + ": " + r.err());
            assertEquals(true, r.out().contains("Usage: pooltag " + c), c + ": " + r.out());
        }
    }
}
