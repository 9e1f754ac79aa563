package pooltag.cli.options;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import pooltag.core.error.PooltagException;

/**
 * The one duration grammar of every option that takes a time: a number, optionally with a fraction, then a unit
 * {@code ms}, {@code s}, {@code m} or {@code h}; a bare number is seconds ({@code 8}, {@code 1.5s}, {@code 500ms},
 * {@code 5m}, {@code 2h}). Junk, zero, or more than {@link Duration} holds in nanoseconds (about 292 years) is one
 * line naming the option (exit 2).
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private Durations() {
    }

    /**
     * @param option the option's name, for the message ({@code --duration})
     * @throws PooltagException one line, for anything but a positive duration in the grammar above
     */
    public static Duration parse(String option, String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new PooltagException(option + " '" + text + "': not a duration (a number of seconds, or with a unit:"
                    + " 500ms, 1.5s, 5m, 2h)");
        }
        long unitNanos = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> 1_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 1_000_000_000L;
        };
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos));
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw new PooltagException(option + " '" + text + "': too long (at most about 292 years)");
        }
        long n = nanos.longValue(); // fractions of a nanosecond are dropped
        if (n <= 0) {
            throw new PooltagException(option + " '" + text + "': must be longer than 0");
        }
        return Duration.ofNanos(n);
    }
}
