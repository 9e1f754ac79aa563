package pooltag.cli.kd;

/**
 * A command the console could not run, with the one line to print. The wording follows the debugger's own
 * errors where one exists ({@code ^ Syntax error in '...'}, {@code Couldn't resolve error at '...'}) so that
 * kd users recognise them; the console prints the message and reads the next command.
 */
final class KdError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KdError(String message) {
        super(message, null, false, false);
    }

    /** The whole command did not parse: kd's caret line, without the column (the prompt may not be on screen). */
    static KdError syntax(String command) {
        return new KdError("^ Syntax error in '" + command + "'");
    }

    /** A symbol or number did not resolve: kd quotes the command from the bad word to its end. */
    static KdError unresolved(String rest) {
        return new KdError("Couldn't resolve error at '" + rest + "'");
    }

    static KdError range(String command) {
        return new KdError("^ Range error in '" + command + "'");
    }

    static KdError extra(String command) {
        return new KdError("^ Extra character error in '" + command + "'");
    }
}
