package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class TrendCommandTest {
    /**
     * Six {@code poolmon -n} files a minute apart, each starting with the time the scheduled job wrote: "Leak" gains
     * 13 allocations of 609 bytes (7917 bytes) per snapshot; "Spik" jumps once; "Flat" never moves. The files are
     * named so that their name order is not their time order.
     */
    private static List<String> series(Path dir) throws IOException {
        long[] spike = {40013, 40013, 40013, 140013, 40013, 40013};
        List<String> files = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            long leakLive = 101 + 13L * i;
            String text = "2026-11-25T19:0" + i + ":00Z\n"
                    + " Tag  Type     Allocs         Frees    Diff   Bytes    Per Alloc\n"
                    + String.format(" Leak Nonp     %6d      %4d    %6d %9d        609%n", leakLive + 7, 7, leakLive, leakLive * 609)
                    + String.format(" Spik Paged    %6d      %4d    %6d %9d        331%n", 900 + i, 800 + i, 100, spike[i])
                    + " Flat Nonp        257         0       257     65536        255\n";
            Path f = dir.resolve("snap-" + (char) ('f' - i) + ".log");
            Files.writeString(f, text);
            files.add(f.toString());
        }
        files.sort(null);
        return files;
    }

    private static String[] args(List<String> files, String... options) {
        List<String> a = new ArrayList<>(List.of("trend"));
        a.addAll(Arrays.asList(options));
        a.addAll(files);
        return a.toArray(String[]::new);
    }

    @Test
    void leakingTagRanksFirstWithItsSlopePerSecond(@TempDir Path dir) throws IOException {
        CliRun r = CliRun.of(args(series(dir)));
        assertEquals(0, r.exit(), r.err());
        List<String> l = r.outLines();
        assertEquals("Trend over 6 snapshots, ordered by embedded time: 2026-11-25T19:00:00Z + 300 s", l.get(0));
        assertEquals(" #  Tag   Pool      B/snapshot      B/s     R²  First    Last  Description", l.get(3));
        assertEquals(" 1  Leak  NonPaged      7917.0  131.950  1.000  61509  101094", l.get(4));
        assertEquals("loss: skipped 0 unreadable lines, truncated: no, lost events 0, unpaired frees 0", l.get(l.size() - 1));
    }

    @Test
    void jsonGivesSlopesAndFitOfEveryTag(@TempDir Path dir) throws IOException {
        CliRun r = CliRun.of(args(series(dir), "--json"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("time", j.get("order").asText());
        assertEquals("bytes_per_second", j.get("ranked_by").asText());
        JsonNode leak = j.get("tags").get(0);
        assertEquals("Leak", leak.get("tag").asText());
        assertEquals(7917.0, leak.get("bytes_per_snapshot").asDouble(), 1e-9);
        assertEquals(7917.0 / 60, leak.get("bytes_per_second").asDouble(), 1e-9);
        assertEquals(1.0, leak.get("r_squared").asDouble(), 1e-12);
        JsonNode spike = j.get("tags").get(1);
        assertEquals("Spik", spike.get("tag").asText());
        assertTrue(spike.get("r_squared").asDouble() < 0.1, spike.toString());
        assertEquals(0, j.get("loss").get("skipped_records").asLong());
    }

    @Test
    void svgChartDrawsOneLinePerTopTag(@TempDir Path dir) throws IOException {
        Path svg = dir.resolve("trend.svg");
        CliRun r = CliRun.of(args(series(dir), "--chart", svg.toString()));
        assertEquals(0, r.exit(), r.err());
        String s = Files.readString(svg);
        assertTrue(s.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""), s);
        assertEquals(3, s.split("<polyline", -1).length - 1);
        assertTrue(s.contains(">Leak (NonPaged)</text>"), s);
        assertTrue(s.endsWith("</svg>\n"));
    }

    @Test
    void pngChartIsAPngImage(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("trend.png");
        CliRun r = CliRun.of(args(series(dir), "--chart", png.toString()));
        assertEquals(0, r.exit(), r.err());
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
    }

    /** What the JVM itself printed on System.err while {@code run} ran (ImageIO printed its stack traces there). */
    static String jvmStderrOf(Runnable run) {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(saved);
        }
        return err.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A chart in a directory that does not exist is refused before any capture is read: one line with the system's
     * reason, no stack trace anywhere (ImageIO printed one for PNG), nothing on stdout, exit 2.
     */
    @Test
    void chartInAMissingDirectoryIsOneLineWithTheReasonBeforeAnyWork(@TempDir Path dir) throws IOException {
        List<String> files = series(dir);
        for (String name : List.of("x.png", "x.svg")) {
            Path chart = dir.resolve("missing").resolve(name);
            CliRun[] r = new CliRun[1];
            String jvmErr = jvmStderrOf(() -> r[0] = CliRun.of(args(files, "--chart", chart.toString())));
            assertEquals("", jvmErr, name);
            assertEquals(2, r[0].exit(), name);
            assertEquals("pooltag: --chart " + chart + ": no such file or directory (" + chart.getParent()
                    + " does not exist)\n", r[0].err());
            assertEquals("", r[0].out(), "said before the captures are read: " + name);
        }
    }

    /**
     * A chart whose write fails after the work (here the disk is full: /dev/full) loses the chart only: the whole
     * table is printed, then one line with the system's reason, exit 2; the JSON says it has no chart.
     */
    @Test
    void aChartThatCannotBeWrittenKeepsTheTableAndSaysWhy(@TempDir Path dir) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/full")), "no /dev/full");
        List<String> files = series(dir);
        for (String name : List.of("full.png", "full.svg")) {
            Path chart = Files.createSymbolicLink(dir.resolve(name), Path.of("/dev/full"));
            CliRun[] r = new CliRun[1];
            String jvmErr = jvmStderrOf(() -> r[0] = CliRun.of(args(files, "--chart", chart.toString())));
            assertEquals("", jvmErr, name);
            assertEquals(2, r[0].exit(), name);
            assertEquals("pooltag: " + chart + ": cannot write the chart: No space left on device\n", r[0].err());
            assertTrue(r[0].outLines().contains("3 of 3 tags shown (--top)"), r[0].out());
            assertTrue(r[0].outLines().stream().anyMatch(l -> l.startsWith(" 1  Leak")), r[0].out());
            CliRun j = CliRun.of(args(files, "--json", "--chart", chart.toString()));
            assertEquals(2, j.exit(), name);
            JsonNode root = new ObjectMapper().readTree(j.out());
            assertTrue(root.get("chart").isNull(), j.out());
            assertEquals("Leak", root.get("tags").get(0).get("tag").asText());
        }
    }

    @Test
    void chartWithAnotherExtensionIsRefused(@TempDir Path dir) throws IOException {
        CliRun r = CliRun.of(args(series(dir), "--chart", dir.resolve("trend.gif").toString()));
        assertEquals(2, r.exit());
        assertEquals("pooltag: " + dir.resolve("trend.gif") + ": --chart writes .svg or .png; name the file so\n", r.err());
    }

    @Test
    void capturesWithoutTimesKeepTheGivenOrder() {
        CliRun r = CliRun.of("trend", CliRun.fixture("poolmon-1.txt"), CliRun.fixture("poolmon-1-later.txt"), "--top", "1");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(
                "Trend over 2 snapshots, in the order given (not every capture carries a time)",
                "Ranked by growth in bytes per snapshot; R² is how well a straight line fits (1 steady, near 0 noise)",
                "",
                " #  Tag   Pool      B/snapshot  B/s     R²     First      Last  Description",
                " 1  IXGB  NonPaged   4810089.0    -  1.000  55749008  60559097",
                "",
                "1 of 13 tags shown (--top)",
                "loss: skipped 0 unreadable lines, truncated: no, lost events 0, unpaired frees 0"), r.outLines());
    }

    @Test
    void jsonOfUntimedCapturesHasNoSlopePerSecond() throws IOException {
        CliRun r = CliRun.of("trend", "--json", CliRun.fixture("poolmon-1.txt"), CliRun.fixture("poolmon-1-later.txt"));
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("given", j.get("order").asText());
        assertEquals("bytes_per_snapshot", j.get("ranked_by").asText());
        JsonNode first = j.get("tags").get(0);
        assertEquals("IXGB", first.get("tag").asText());
        assertTrue(first.get("bytes_per_second").isNull());
        assertEquals(4810089.0, first.get("bytes_per_snapshot").asDouble(), 0);
    }

    @Test
    void singleCaptureIsAUsageError() {
        CliRun r = CliRun.of("trend", CliRun.fixture("poolmon-1.txt"));
        assertEquals(2, r.exit());
        assertEquals("pooltag: trend needs two or more snapshots; " + CliRun.fixture("poolmon-1.txt") + " holds one",
                r.err().strip());
    }

    @Test
    void eachScreenOfAPoolMonLogIsASnapshotInFileOrder() {
        CliRun r = CliRun.of("trend", CliRun.fixture("poolmon-two-screens.txt"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Trend over 2 snapshots, in the order given"), r.out());
        assertTrue(r.out().contains("Drsd"), r.out());
        assertTrue(r.out().contains("4992.0"), "bytes per snapshot: " + r.out());
    }
}
