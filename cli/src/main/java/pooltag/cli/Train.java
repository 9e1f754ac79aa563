package pooltag.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's training run for the JDK 25 AOT cache: runs the one-shot commands' start-up paths in one JVM (help,
 * version, poolused, tags, diff), through {@link Main#run} as the launcher's JVM runs them, output discarded,
 * failures ignored (a non-root training reads what it can; the classes it loads are what the cache needs). diff
 * and tags read small captures written here, so that the capture parsers, the diff and their lambdas and string
 * concatenations are in the cache: a class the training never loaded is read from the jar and verified on every
 * run, and a lambda or a concatenation it never linked is spun at run time (docs/PERFORMANCE.md, start-up round 5).
 * Not a user command.
 */
public final class Train {
    private Train() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream nul = new PrintStream(OutputStream.nullOutputStream());
        System.setOut(nul);
        System.setErr(nul);
        Fatal.install();
        Path dir = Files.createTempDirectory("pooltag-train");
        try {
            String older = write(dir, "older.txt", OLDER);
            String newer = write(dir, "newer.txt", NEWER);
            String tags = write(dir, "pooltag.txt", POOLTAG_TXT);
            String[][] runs = {{"--version"}, {"--help"}, {"poolused", "4"}, {"poolused", "--json"}, {"tags", "Ntfs"},
                    {"tags", "--pooltag", tags, "Ntfs"}, {"tags", "--pooltag", tags, "--json", "Aml"},
                    {"diff", older, newer}, {"diff", "--json", older, newer}, {"diff", "--help"}, {"trend", "--help"},
                    {"report", "--help"}, {"diff", "/nonexistent", "/nonexistent"}};
            for (String[] a : runs) {
                try {
                    Main.run(a);
                } catch (RuntimeException e) {
                    // training only
                }
            }
        } finally {
            for (String f : new String[] {"older.txt", "newer.txt", "pooltag.txt"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
        System.setOut(out);
        System.setErr(err);
        // As Main ends: System.exit loads the JDK's System.Logger machinery (Runtime.exit is logged when a logger
        // named java.lang.Runtime is enabled), about 30 classes that would otherwise come from the runtime image
        // on every run rather than from the cache.
        System.exit(0);
    }

    private static String write(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text).toString();
    }

    /** A WinDbg !poolused capture, old kdexts layout (as in the debugger's documentation). */
    static final String OLDER = String.join("\n",
            "0: kd> !poolused",
            "   Sorting by  Tag",
            "",
            "  Pool Used:",
            "            NonPaged            Paged",
            " Tag    Allocs     Used    Allocs     Used",
            " 8042        4     3944         0        0PS/2 kb and mouse , Binary: i8042prt.sys",
            " AcpA        3      192         1      504ACPI Pooltags , Binary: acpi.sys",
            " Ntfs       10     2048        40    81920NTFS general allocation , Binary: ntfs.sys",
            " Wmip      146     3504       182    18600Wmi General purpose allocation ",
            "");

    /** The same tags later, new kdexts layout (wide columns, TAB before the description). */
    static final String NEWER = String.join("\n",
            " kd> !poolused 2",
            " Sorting by NonPaged Pool Consumed",
            "",
            "               NonPaged                  Paged",
            " Tag     Allocs         Used     Allocs         Used",
            "",
            " 8042         4         3944          0            0\tPS/2 kb and mouse , Binary: i8042prt.sys",
            " AcpA         3          192          2         1008\tACPI Pooltags , Binary: acpi.sys",
            " Ntfs        12         2560         90       184320\tNTFS general allocation , Binary: ntfs.sys",
            " Wmip       140         3360        182        18600\tWmi General purpose allocation",
            "");

    /** A few lines of a pooltag.txt, wildcard entry included. */
    static final String POOLTAG_TXT = String.join("\n",
            "//",
            "// Pool tags, as in WinDbg's triage\\pooltag.txt",
            "//",
            "8042 - i8042prt.sys - PS/2 keyboard and mouse",
            "Aml* - <unknown>    - ACPI AMLI Pooltags",
            "Ntfs - ntfs.sys     - General Allocation",
            "");
}
