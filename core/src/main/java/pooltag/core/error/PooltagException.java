package pooltag.core.error;

/**
 * An error the user can act on: bad input, a missing privilege, an unmounted or foreign tracefs. The message is
 * one line that says what and where (file:line, byte offset) and what to do; the CLI prints it as
 * {@code pooltag: <message>} and exits with {@link #exitCode()}, having flushed whatever was already recorded.
 */
public class PooltagException extends RuntimeException {
    /** Bad input, missing file or privilege. */
    public static final int EXIT_USAGE = 2;

    private final int exitCode;

    public PooltagException(String message) {
        this(message, EXIT_USAGE, null);
    }

    public PooltagException(String message, Throwable cause) {
        this(message, EXIT_USAGE, cause);
    }

    public PooltagException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
