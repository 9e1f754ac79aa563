package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.windows.analysis.TranscriptReplay;

/**
 * Every Windows capture parser against mutated real captures: each input is answered by a result or by one
 * {@link PooltagException} line, never another exception, a hang or a multi-line message.
 *
 * <p>The build runs {@value #BUILD_INPUTS} inputs (a few seconds); {@code -Dpooltag.fuzz.inputs=1000000} runs the
 * long mode (with {@code -DargLine=-Xmx256m} for the memory bound). Seeded: {@code -Dpooltag.fuzz.seed=N} repeats
 * a run, and a failure names its seed and input number. A second test holds the parsers to linear time: a 1 MB
 * run of spaces inside real lines reads in well under the bound a quadratic scan would need (10^12 steps).
 */
class WindowsParsersFuzzTest {
    static final int BUILD_INPUTS = 1500;
    static final int WARMUP = 200;
    /** An input must be answered within this; a quadratic regex on a 1 MB line takes minutes. */
    static final Duration PER_INPUT = Duration.ofSeconds(2);

    static List<String> realCaptures() throws IOException {
        Path dir = Fixtures.path("poolmon-1.txt").getParent();
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
                out.add(Files.readString(p));
            }
        }
        return out;
    }

    /** Every parser on the text; returns normally or throws PooltagException. */
    static void parseAll(String text) {
        CaptureText t = CaptureText.of("fuzz.txt", text);
        try {
            FormatDetector.kinds(t);
        } catch (PooltagException e) {
            oneLine(e);
        }
        for (Runnable r : List.<Runnable>of(
                () -> PoolMonParser.parseAll(t),
                () -> PoolUsedParser.parse(t),
                () -> PoolFindParser.parse(t),
                () -> TranscriptReplay.of(PoolHitTagParser.parse(t)),
                () -> VerifierParser.parse(t),
                () -> PoolTagFile.parse(t))) {
            try {
                r.run();
            } catch (PooltagException e) {
                oneLine(e);
            }
        }
    }

    static void oneLine(PooltagException e) {
        String m = e.getMessage();
        if (m == null || m.isEmpty() || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
            throw new AssertionError("not one line: " + m, e);
        }
    }

    private static final String[] TOKENS = {" ", "  ", "\t", "(", ")", "( 0)", "[", "]", "-", ":", "`", "'", "\"",
        "0x", "ffffffff`ffffffff", "99999999999999999999999", "-1", "Nonp", "Paged", "Tag  Type  Allocs", "kd> ",
        "Breakpoint 0 hit", "nt!ExAllocatePool2:", "nt!ExFreePoolWithTag+0x1:", "r rax", "rax=", "rcx=", "gu",
        "bp nt!ExAllocatePool2 \".if (@r8 == 0x6b61654c) {} .else {gc}\"", "ed nt!poolhittag ' cbA'", "k",
        " # Child-SP          RetAddr               Call Site", "!poolfind Abc 0", "size:", "(Allocated)",
        "(Free)", "...", "......", "TOTAL", "Sorting by Tag", "PoolAddress  SizeInBytes    Tag       CallersAddress",
        "rem", " - ", "<unknown>", "\u00ff", "\u0000", "Memory:", "Session 0 pool information"};

    static String mutate(String base, SplittableRandom rnd) {
        List<String> lines = new ArrayList<>(base.lines().toList());
        int edits = 1 + rnd.nextInt(8);
        for (int e = 0; e < edits && !lines.isEmpty(); e++) {
            int i = rnd.nextInt(lines.size());
            String l = lines.get(i);
            switch (rnd.nextInt(9)) {
                case 0 -> lines.remove(i);
                case 1 -> lines.add(i, l);
                case 2 -> lines.set(i, l.substring(0, rnd.nextInt(l.length() + 1)));
                case 3 -> {
                    int at = rnd.nextInt(l.length() + 1);
                    lines.set(i, l.substring(0, at) + TOKENS[rnd.nextInt(TOKENS.length)] + l.substring(at));
                }
                case 4 -> {
                    if (!l.isEmpty()) {
                        char[] c = l.toCharArray();
                        c[rnd.nextInt(c.length)] = (char) (0x20 + rnd.nextInt(0x5f));
                        lines.set(i, new String(c));
                    }
                }
                case 5 -> lines.set(i, lines.get(rnd.nextInt(lines.size())));
                case 6 -> lines.add(rnd.nextInt(lines.size() + 1), TOKENS[rnd.nextInt(TOKENS.length)]);
                case 7 -> {
                    int at = rnd.nextInt(l.length() + 1);
                    lines.set(i, l.substring(0, at) + " ".repeat(1 + rnd.nextInt(4000)) + l.substring(at));
                }
                default -> {
                    // digits grown or replaced: counts that overflow, sizes that are not hex
                    StringBuilder sb = new StringBuilder(l);
                    for (int k = 0; k < sb.length(); k++) {
                        if (Character.isDigit(sb.charAt(k)) && rnd.nextInt(4) == 0) {
                            sb.setCharAt(k, "0123456789abcdefg".charAt(rnd.nextInt(17)));
                        }
                    }
                    lines.set(i, sb.toString());
                }
            }
        }
        return String.join("\n", lines) + (rnd.nextBoolean() ? "\n" : "");
    }

    @Test
    void mutatedRealCapturesGetAResultOrOneLine() throws IOException {
        int inputs = Integer.getInteger("pooltag.fuzz.inputs", BUILD_INPUTS);
        long seed = Long.getLong("pooltag.fuzz.seed", 20261130L);
        List<String> bases = realCaptures();
        assertFalse(bases.isEmpty());
        SplittableRandom rnd = new SplittableRandom(seed);
        long worstNanos = 0;
        int worstInput = -1;
        long t0 = System.nanoTime();
        for (int n = 0; n < inputs; n++) {
            String input = mutate(bases.get(rnd.nextInt(bases.size())), rnd);
            long s = System.nanoTime();
            try {
                parseAll(input);
            } catch (RuntimeException | AssertionError e) {
                fail("seed " + seed + ", input " + n + ": " + e, e);
            }
            long took = System.nanoTime() - s;
            if ((n + 1) % 100_000 == 0) {
                System.out.printf("windows fuzz: %d inputs so far, %.0f s, slowest %.1f ms%n", n + 1,
                        (System.nanoTime() - t0) / 1e9, Math.max(took, worstNanos) / 1e6);
            }
            // The first inputs pay class loading and JIT compilation, not the input's cost: timed from WARMUP on.
            if (n >= WARMUP && took > worstNanos) {
                worstNanos = took;
                worstInput = n;
            }
        }
        long total = System.nanoTime() - t0;
        System.out.printf("windows fuzz: %d inputs, seed %d, %.1f s, slowest input %d took %.1f ms, max heap %d MiB%n",
                inputs, seed, total / 1e9, worstInput, worstNanos / 1e6, Runtime.getRuntime().maxMemory() >> 20);
        assertTrue(worstNanos < PER_INPUT.toNanos(), "input " + worstInput + " took " + worstNanos / 1e6 + " ms");
    }

    /** The long mode outside surefire's fork timeout: {@code java -Xmx256m -cp ... WindowsParsersFuzzTest N}. */
    public static void main(String[] args) throws IOException {
        System.setProperty("pooltag.fuzz.inputs", args.length > 0 ? args[0] : "1000000");
        new WindowsParsersFuzzTest().mutatedRealCapturesGetAResultOrOneLine();
    }

    @Test
    void aMegabyteOfSpacesReadsInLinearTime() throws IOException {
        String mb = " ".repeat(1 << 20);
        List<String> inputs = new ArrayList<>();
        inputs.add(mb);
        inputs.add("kd>" + mb + "!poolused 4" + mb + "x");
        inputs.add("Sorting by" + mb + "Tag" + mb + "x");
        for (String base : realCaptures()) {
            List<String> lines = base.lines().filter(l -> !l.startsWith("#") && l.indexOf(' ') > 0).toList();
            // Three lines of each capture, a megabyte of spaces in their first gap and at their end.
            for (int k = 0; k < Math.min(3, lines.size()); k++) {
                String l = lines.get(k * lines.size() / 3);
                int gap = l.indexOf(' ', 1);
                String inner = l.substring(0, gap) + mb + l.substring(gap);
                inputs.add(base.replace(l, inner));
                inputs.add(base.replace(l, l + mb + "x"));
            }
        }
        for (String input : inputs) {
            assertTimeoutPreemptively(PER_INPUT, () -> parseAll(input),
                    () -> "not linear: input starting '" + input.strip().lines().findFirst().orElse("")
                            .substring(0, Math.min(60, input.strip().length())) + "'");
        }
    }

    @Test
    void aFileLargerThanAnyCaptureIsOneLineWithoutReadingIt(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path big = dir.resolve("huge.txt");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(CaptureText.MAX_BYTES + 1); // sparse: no disk, and the reader must not load it
        }
        PooltagException e = org.junit.jupiter.api.Assertions.assertThrows(PooltagException.class,
                () -> CaptureText.read(big));
        org.junit.jupiter.api.Assertions.assertEquals(big + ": " + (CaptureText.MAX_BYTES + 1)
                + " bytes, larger than any capture (limit 256 MiB)", e.getMessage());
    }
}
