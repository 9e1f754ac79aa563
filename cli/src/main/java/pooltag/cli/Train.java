package pooltag.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's training runs for the JDK 25 AOT caches: one cache per one-shot command (and per {@code --json}
 * form of the commands that have one), named by {@link #GROUPS}' keys. Each training runs that command's start-up
 * paths in one JVM through {@link Main#run}, as the launcher's JVM runs them, output discarded, failures ignored (a
 * non-root training reads what it can; the classes it loads are what the cache needs). diff and tags read small
 * captures written here, so that the capture parsers, the diff and their lambdas and string concatenations are in
 * the cache: a class the training never loaded is read from the jar and verified on every run, and a lambda or a
 * concatenation it never linked is spun at run time (docs/PERFORMANCE.md, start-up round 5).
 *
 * <p>One cache per command because an AOT-linked cache loads every class it holds when the JVM starts: one cache
 * for all of them made {@code poolused 4} load 2,608 classes, Jackson's among them, where it uses 1,500
 * (docs/PERFORMANCE.md, start-up round 6). Not a user command.
 */
public final class Train {
    private Train() {
    }

    /** Stand-ins for the captures' paths in {@link #GROUPS}, replaced by the files {@link #main} writes. */
    private static final String OLDER_FILE = "<older>";
    private static final String NEWER_FILE = "<newer>";
    private static final String TAGS_FILE = "<pooltag.txt>";
    private static final String KB_FILE = "<transcript>";

    /**
     * The command lines each cache is trained with, by cache name: the launcher's names (its {@code group}; a
     * {@code -json} suffix when the command line has {@code --json}). {@code TrainTest} checks that every name the
     * launcher can pick is here.
     */
    static final java.util.Map<String, String[][]> GROUPS = java.util.Map.ofEntries(
            java.util.Map.entry("version", new String[][] {{"--version"}}),
            java.util.Map.entry("help", new String[][] {{"--help"}, {"help", "poolused"}}),
            java.util.Map.entry("poolused", new String[][] {{"poolused", "4"}, {"poolused", "--from", NEWER_FILE}}),
            java.util.Map.entry("poolused-json", new String[][] {{"poolused", "--json"}}),
            java.util.Map.entry("tags", new String[][] {{"tags", "Ntfs"}, {"tags", "--pooltag", TAGS_FILE, "Ntfs"}}),
            java.util.Map.entry("tags-json", new String[][] {{"tags", "--pooltag", TAGS_FILE, "--json", "Aml"}}),
            java.util.Map.entry("diff", new String[][] {{"diff", OLDER_FILE, NEWER_FILE}, {"diff", "--help"},
                    {"diff", "/nonexistent", "/nonexistent"}}),
            java.util.Map.entry("diff-json", new String[][] {{"diff", "--json", OLDER_FILE, NEWER_FILE}}),
            java.util.Map.entry("trend", new String[][] {{"trend", OLDER_FILE, NEWER_FILE}, {"trend", "--help"}}),
            java.util.Map.entry("report", new String[][] {{"report", "--help"}}),
            java.util.Map.entry("kbpair", new String[][] {{"kbpair", KB_FILE}, {"kbpair", "--help"}}));

    /** @param args the cache's name, one of {@link #GROUPS}' keys */
    public static void main(String[] args) throws IOException {
        String[][] runs = args.length == 1 ? GROUPS.get(args[0]) : null;
        if (runs == null) {
            System.err.println("pooltag: Train takes one of " + new java.util.TreeSet<>(GROUPS.keySet()));
            System.exit(2);
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream nul = new PrintStream(OutputStream.nullOutputStream());
        System.setOut(nul);
        System.setErr(nul);
        Fatal.install();
        Path dir = Files.createTempDirectory("pooltag-train");
        try {
            java.util.Map<String, String> files = java.util.Map.of(OLDER_FILE, write(dir, "older.txt", OLDER),
                    NEWER_FILE, write(dir, "newer.txt", NEWER), TAGS_FILE, write(dir, "pooltag.txt", POOLTAG_TXT),
                    KB_FILE, write(dir, "transcript.txt", KB_TRANSCRIPT));
            for (String[] run : runs) {
                String[] a = run.clone();
                for (int i = 0; i < a.length; i++) {
                    a[i] = files.getOrDefault(a[i], a[i]);
                }
                try {
                    Main.run(a);
                } catch (RuntimeException e) {
                    // training only
                }
            }
        } finally {
            for (String f : new String[] {"older.txt", "newer.txt", "pooltag.txt", "transcript.txt"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
        System.setOut(out);
        System.setErr(err);
        // As Main ends (a success returns from main), so that the cache holds the classes that ending loads.
        Main.exit(0);
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

    /**
     * A PoolHitTag session in WinDbg's words, made up: a break in the allocator with its stack and the block's
     * address ({@code !pool}), then the break in the free of that block.
     */
    static final String KB_TRANSCRIPT = String.join("\n",
            "0: kd> ed nt!PoolHitTag 'tseT'",
            "0: kd> g",
            "Break instruction exception - code 80000003 (first chance)",
            "nt!ExAllocatePoolWithTag+0x881:",
            "82b2f88c int     3",
            "0: kd> kb",
            " # ChildEBP RetAddr  Args to Child",
            "00 8772d834 82ab06b1 00000001 00000070 74736554 nt!ExAllocatePoolWithTag+0x881",
            "01 8772d9d8 82bd22e6 86a220d0 86a40000 00000000 Sample!DriverEntry+0x27",
            "0: kd> !pool 91c26130 2",
            "Pool page 91c26130 region is Paged pool",
            "*91c26128 size:   78 previous size:   60  (Allocated) *Test",
            "0: kd> g",
            "Break instruction exception - code 80000003 (first chance)",
            "nt!ExFreePoolWithTag+0x649:",
            "82b30104 int     3",
            "0: kd> kb",
            " # ChildEBP RetAddr  Args to Child",
            "00 8772dba0 82d40f90 91c26130 74736554 a0a4f900 nt!ExFreePoolWithTag+0x649",
            "01 8772dbc4 82bd5d46 86a220d0 a0a4f900 84efcd48 Sample!SampleUnload+0x14",
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
