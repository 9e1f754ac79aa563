package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad option value or output path is one line naming it and exit 2, said before anything is read, traced or
 * printed: a live hunt would otherwise run to its end first. The recording is the linux module's real-pages.ptrec
 * (the same file the issue reproduced with).
 */
class BadValuesBeforeWorkTest {
    static final String RECORDING = Path.of("..", "linux", "src", "test", "resources", "real-pages.ptrec").toString();

    private static void refusedBeforeWork(CliRun r, String expectedInError, String what) {
        assertEquals(2, r.exit(), what + " -> " + r.err());
        assertEquals("", r.out(), "nothing done before the refusal: " + what);
        assertEquals(1, r.err().strip().lines().count(), "one line: " + what + " -> " + r.err());
        assertTrue(r.err().startsWith("pooltag: ") && r.err().contains(expectedInError), what + " -> " + r.err());
        assertFalse(r.err().contains("fromIndex") || r.err().contains("Exception"), what + " -> " + r.err());
    }

    /**
     * Counts and ages no command can use, and output files the system will not create, are refused before any
     * tracing (each of these traced first, then refused or wrote nothing: a run wasted). /proc passes access(2) for
     * root, and only the create says no.
     */
    @Test
    void badCountsAgesAndUncreatableOutputsAreRefusedBeforeTracing() {
        refusedBeforeWork(CliRun.of("hit", "filp", "-d", "1", "-n", "-1"), "--count must be 0 (no limit) or more, got -1",
                "hit -n -1");
        refusedBeforeWork(CliRun.of("find", "dentry", "-d", "1", "--min-age", "-1"),
                "--min-age must be 0 or more seconds, got -1.0", "find --min-age -1");
        refusedBeforeWork(CliRun.of("mon", "--trace", "--batch", "--count", "0"), "--count must be at least 1, got 0",
                "mon --trace --count 0");
        refusedBeforeWork(CliRun.of("record", "-d", "1", "-o", "/proc/pooltag-x"),
                "--output /proc/pooltag-x: no such file (cannot create it)", "record -o /proc/x");
        refusedBeforeWork(CliRun.of("record", "-d", "1", "-o", ""), "--output: an empty file name", "record -o ''");
        refusedBeforeWork(CliRun.of("hunt", "--from", RECORDING, "--collapsed", "/proc/pooltag-x"),
                "--collapsed /proc/pooltag-x: no such file (cannot create it)", "hunt --collapsed /proc/x");
        refusedBeforeWork(CliRun.of("mon", "--batch", "--output", "/proc/pooltag-x"),
                "--output /proc/pooltag-x: no such file (cannot create it)", "mon --output /proc/x");
    }

    /** Every --top takes a count of rows: a negative one (0 too, but where 0 is documented as "all") is refused. */
    @Test
    void everyTopRefusesANegativeCount() {
        List<String[]> lines = List.of(
                new String[] {"trend", "--top=-1", CliRun.fixture("poolmon-1.txt"), CliRun.fixture("poolmon-1-later.txt")},
                new String[] {"hunt", "--from", RECORDING, "--top=-1"},
                new String[] {"report", "--top=-5", RECORDING},
                new String[] {"poolused", "--from", CliRun.fixture("poolused-2.txt"), "--top=-3"},
                new String[] {"mon", "--batch", "--top=-2"},
                new String[] {"exporter", "--top=-1"},
                new String[] {"exporter", "--top-cgroups=-1"});
        for (String[] args : lines) {
            String what = String.join(" ", args);
            refusedBeforeWork(CliRun.of(args), "must be at least", what);
            assertTrue(CliRun.of(args).err().contains("'--top"), what);
        }
        refusedBeforeWork(CliRun.of("report", "--top=0", RECORDING), "must be at least 1, got 0", "report --top=0");
        refusedBeforeWork(CliRun.of("hunt", "--from", RECORDING, "--top=x"), "'x' is not a whole number", "--top=x");
    }

    @Test
    void huntRefusesAnOutputFileItCouldNotCreateBeforeHunting(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("d").resolve("x");
        refusedBeforeWork(CliRun.of("hunt", "--from", RECORDING, "--collapsed=" + missing),
                "--collapsed " + missing + ": no such file or directory (" + missing.getParent() + " does not exist)",
                "--collapsed in a missing directory");
        Path file = Files.createFile(dir.resolve("not-a-dir"));
        refusedBeforeWork(CliRun.of("hunt", "--from", RECORDING, "--collapsed=" + file.resolve("x")),
                "not a directory", "--collapsed under a file");
        refusedBeforeWork(CliRun.of("hunt", "--from", RECORDING, "--collapsed=" + file),
                "already exists; pooltag creates a new file and overwrites nothing", "--collapsed over a file");
    }

    /** One tag check for every Windows tag or TagString: a value no four-byte tag can be is refused, not an empty table. */
    @Test
    void aWindowsTagNoPoolTagCanBeIsRefusedEverywhere() {
        List<String[]> lines = List.of(
                new String[] {"verifier", CliRun.fixture("verifier-2.txt"), "TOOLONG"},
                new String[] {"poolused", "--from", CliRun.fixture("poolused-2.txt"), "0", "TOOLONGTAG"},
                new String[] {"find", "--from", CliRun.fixture("poolfind-2.txt"), "TOOLONG"},
                new String[] {"tags", "--pooltag", CliRun.fixture("pooltag-excerpt-2.txt"), "TOOLONG"});
        for (String[] args : lines) {
            String tag = args[args.length - 1];
            refusedBeforeWork(CliRun.of(args), "bad tag '" + tag + "': a pool tag has 1 to 4 characters",
                    String.join(" ", args));
        }
        refusedBeforeWork(CliRun.of("verifier", CliRun.fixture("verifier-2.txt"), "?????"),
                "a pool tag has 1 to 4 characters", "five ?");
        refusedBeforeWork(CliRun.of("tags", "--pooltag", CliRun.fixture("pooltag-excerpt-2.txt"), "    "),
                "bad tag '    ': a pool tag has 1 to 4 characters, not all blank", "blank tag");
        // Patterns that fit a tag still work, and a well-formed unknown tag is an answer (a row), not an error.
        CliRun v = CliRun.of("verifier", CliRun.fixture("verifier-2.txt"), "*");
        assertEquals(0, v.exit(), v.err());
        CliRun p = CliRun.of("poolused", "--from", CliRun.fixture("poolused-2.txt"), "0", "Aml?");
        assertEquals(0, p.exit(), p.err());
        assertTrue(p.out().contains(" AmlC ") && p.out().contains(" AmlH "), p.out());
        CliRun q = CliRun.of("tags", "--pooltag", CliRun.fixture("pooltag-excerpt-2.txt"), "QQQQ");
        assertEquals(0, q.exit(), q.err());
        assertTrue(q.outLines().contains(" QQQQ  -      -       not in pooltag.txt: try --scan DIR"), q.out());
    }
}
