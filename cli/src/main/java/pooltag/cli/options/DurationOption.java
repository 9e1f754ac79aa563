package pooltag.cli.options;

import java.time.Duration;

import picocli.CommandLine.Option;

/** {@code -d, --duration D}: how long a tracing command runs, in the grammar of {@link Durations}. */
public final class DurationOption {
    @Option(names = {"-d", "--duration"}, paramLabel = "D", defaultValue = "10s",
            description = "how long: seconds (8, 1.5) or with a unit (500ms, 10s, 5m, 1h); default ${DEFAULT-VALUE}")
    String text;

    /** @throws pooltag.core.error.PooltagException one line naming --duration, for a value it cannot take */
    public Duration value() {
        return Durations.parse("--duration", text);
    }

    /** As typed, for messages ({@code for 8s}); a bare number, seconds by the grammar, with its unit ({@code 8s}). */
    public String text() {
        return text != null && text.strip().matches("[0-9]+(\\.[0-9]*)?") ? text.strip() + "s" : text;
    }
}
