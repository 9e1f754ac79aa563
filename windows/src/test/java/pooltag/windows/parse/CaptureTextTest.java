package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * CaptureText keeps the text once and makes a line a string only when asked; its lines must be exactly what
 * {@code String.lines()} then {@code stripTrailing()} made of the same text (the readers were written against that).
 */
class CaptureTextTest {
    /** Characters that exercise every rule: each terminator, blanks Java strips (EM SPACE too) and one it keeps. */
    private static final char[] ALPHABET = {'a', 'b', ' ', '\t', '\r', '\n', '\f', '\u2003', '\u00a0', '1'};

    @Test
    void linesAreStringLinesWithTrailingBlanksStrippedOnRandomTexts() {
        SplittableRandom rnd = new SplittableRandom(14);
        for (int round = 0; round < 20_000; round++) {
            char[] c = new char[rnd.nextInt(40)];
            for (int i = 0; i < c.length; i++) {
                c[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
            }
            String text = new String(c);
            List<String> expected = text.lines().map(String::stripTrailing).toList();
            CaptureText t = CaptureText.of("t", text);
            assertEquals(expected.size(), t.lineCount(), () -> "line count of " + escape(text));
            for (int n = 1; n <= expected.size(); n++) {
                assertEquals(expected.get(n - 1), t.line(n), "line " + n + " of " + escape(text));
            }
            char last = text.isEmpty() ? '\n' : text.charAt(text.length() - 1);
            assertEquals(last != '\n' && last != '\r', t.unendedLine(expected.size()), () -> "unended: " + escape(text));
        }
    }

    @Test
    void eachTerminatorAndAnUnendedLastLine() {
        CaptureText t = CaptureText.of("t", "one  \r\ntwo\rthree\n\n  \nfour\t");
        assertEquals(6, t.lineCount());
        assertEquals(List.of("one", "two", "three", "", "", "four"),
                java.util.stream.IntStream.rangeClosed(1, 6).mapToObj(t::line).toList());
        assertEquals(true, t.unendedLine(6));
        assertThrows(IndexOutOfBoundsException.class, () -> t.line(7));
        assertThrows(IndexOutOfBoundsException.class, () -> t.line(0));
    }

    private static String escape(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t").replace("\f", "\\f")
                .replace("\u2003", "\\u2003").replace("\u00a0", "\\u00a0");
    }
}
