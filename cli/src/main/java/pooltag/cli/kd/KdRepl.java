package pooltag.cli.kd;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;

import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.completer.AggregateCompleter;
import org.jline.reader.impl.completer.ArgumentCompleter;
import org.jline.reader.impl.completer.NullCompleter;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Terminal;
import org.jline.utils.Signals;

/**
 * The console's two front ends: the {@code kd> } prompt on a terminal (JLine: line editing, history,
 * completion, Ctrl-C breaking {@code g}), and scripts ({@code -c}, standard input) echoed as kd's log shows
 * them. Both split lines at {@code ;} and stop at {@code q}; neither closes the console (the caller does).
 */
public final class KdRepl {
    static final String PROMPT = "kd> ";

    private KdRepl() {
    }

    /**
     * Runs scripted commands: each is echoed as {@code kd> cmd}, then its output follows.
     *
     * @return 0: the script ran to {@code q} or its end. As in cdb, a command's error is printed where it happened
     *     and the script goes on; it does not change the exit status (only a console that cannot run is an error,
     *     and that is thrown before a script starts)
     */
    public static int script(KdConsole console, Iterator<String> lines, PrintWriter out) {
        while (lines.hasNext()) {
            for (String cmd : KdSyntax.splitCommands(lines.next())) {
                out.println(PROMPT + cmd);
                out.flush();
                if (console.execute(cmd) == KdConsole.Result.QUIT) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** The prompt loop until {@code q} or Ctrl-D. Ctrl-C at the prompt drops the line, as kd's does. */
    public static int interactive(KdConsole console, LineReader reader) {
        while (true) {
            String line;
            try {
                line = reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                return 0;
            }
            for (String cmd : KdSyntax.splitCommands(line)) {
                if (console.execute(cmd) == KdConsole.Result.QUIT) {
                    return 0;
                }
            }
        }
    }

    /**
     * A line reader for the prompt. kd's syntax is not a shell's: {@code !} is not history expansion,
     * backslash escapes nothing, and an unclosed quote is the command's error, not a continuation line.
     *
     * @param history file to keep history in across sessions, or null for memory only
     */
    public static LineReader reader(Terminal terminal, Path history) {
        DefaultParser parser = new DefaultParser();
        parser.setEofOnUnclosedQuote(false);
        parser.setEofOnEscapedNewLine(false);
        parser.setEscapeChars(new char[0]);
        LineReaderBuilder b = LineReaderBuilder.builder().terminal(terminal).appName("pooltag-kd").parser(parser)
                .completer(completer()).option(LineReader.Option.DISABLE_EVENT_EXPANSION, true);
        if (history != null) {
            b.variable(LineReader.HISTORY_FILE, history);
        }
        return b.build();
    }

    /** Command names as the first word; {@code nt!poolhittag} after {@code ed}, {@code db} and {@code dd}. */
    static Completer completer() {
        return new AggregateCompleter(
                new ArgumentCompleter(new StringsCompleter(KdConsole.COMMANDS), NullCompleter.INSTANCE),
                new ArgumentCompleter(new StringsCompleter("ed", "db", "dd", "dc"), new StringsCompleter("nt!poolhittag"),
                        NullCompleter.INSTANCE));
    }

    /** Ctrl-C on the terminal breaks {@code g}: while it runs the terminal is in cooked mode and raises INT. */
    public static KdConsole.BreakIn terminalBreakIn(Terminal terminal) {
        return onBreakIn -> {
            Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> onBreakIn.run());
            return () -> terminal.handle(Terminal.Signal.INT, previous);
        };
    }

    /**
     * Ctrl-C (SIGINT) breaks {@code g} in scripted mode too; outside {@code g} it keeps its usual meaning (the JVM
     * exits and the shutdown hook closes the target).
     */
    public static KdConsole.BreakIn signalBreakIn() {
        return onBreakIn -> {
            Object previous = Signals.register("INT", onBreakIn);
            return () -> Signals.unregister("INT", previous);
        };
    }
}
