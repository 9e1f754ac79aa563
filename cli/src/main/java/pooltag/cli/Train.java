package pooltag.cli;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * The launcher's training run for the JDK 25 AOT cache: runs the one-shot commands' start-up paths in one JVM (help,
 * version, poolused, tags, diff's usage), output discarded, failures ignored (a non-root training reads what it can;
 * the classes it loads are what the cache needs). Not a user command.
 */
public final class Train {
    private Train() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream nul = new PrintStream(OutputStream.nullOutputStream());
        System.setOut(nul);
        System.setErr(nul);
        String[][] runs = {{"--version"}, {"--help"}, {"poolused", "4"}, {"poolused", "--json"}, {"tags", "Ntfs"},
                {"diff", "--help"}, {"trend", "--help"}, {"report", "--help"}, {"diff", "/nonexistent", "/nonexistent"}};
        for (String[] a : runs) {
            try {
                Main.commandLineFor(a).execute(a);
            } catch (RuntimeException e) {
                // training only
            }
        }
        System.setOut(out);
        System.setErr(err);
        // As Main ends: System.exit loads the JDK's System.Logger machinery (Runtime.exit is logged when a logger
        // named java.lang.Runtime is enabled), about 30 classes that would otherwise come from the runtime image
        // on every run rather than from the cache.
        System.exit(0);
    }
}
