package pooltag.core.tag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class TagPatternTest {
    @Test
    void starMatchesAnyRunIncludingNone() {
        TagPattern p = TagPattern.of("kmalloc-*");
        assertTrue(p.matches("kmalloc-64"));
        assertTrue(p.matches("kmalloc-"));
        assertFalse(p.matches("dma-kmalloc-64"));
    }

    @Test
    void questionMarkMatchesExactlyOne() {
        TagPattern p = TagPattern.of("Ab?");
        assertTrue(p.matches("Abc"));
        assertFalse(p.matches("Ab"));
        assertFalse(p.matches("Abcd"));
    }

    @Test
    void matchingIsCaseSensitiveAsInWinDbg() {
        assertFalse(TagPattern.of("abc").matches("Abc"));
    }

    @Test
    void regexCharactersAreLiteral() {
        TagPattern p = TagPattern.of("vmalloc:a.b*");
        assertTrue(p.matches("vmalloc:a.bc"));
        assertFalse(p.matches("vmalloc:axbc"));
    }

    /** The matcher against java.util.regex on the same glob, over random short patterns and tags (a control). */
    @Test
    void agreesWithARegexOnRandomPatternsAndTags() {
        Random r = new Random(7919);
        for (int i = 0; i < 20_000; i++) {
            String pat = random(r, "ab?*é*", 1 + r.nextInt(9));
            String tag = random(r, "abé", r.nextInt(11));
            assertEquals(regexOf(pat).matcher(tag).matches(), TagPattern.of(pat).matches(tag), pat + " vs " + tag);
        }
        // Patterns longer than one 64-bit word take the multi-word path (a table is the control: a regex backtracks).
        for (int i = 0; i < 3_000; i++) {
            String pat = random(r, "aaaab?*\u00e9", 60 + r.nextInt(80));
            String tag = random(r, "ab", 50 + r.nextInt(120));
            assertEquals(tableMatch(pat, tag), TagPattern.of(pat).matches(tag), pat + " vs " + tag);
        }
        for (int i = 0; i < 3_000; i++) {
            String pat = "a".repeat(r.nextInt(70)) + "*" + random(r, "ab?", r.nextInt(70));
            String tag = random(r, "ab", r.nextInt(160));
            assertEquals(tableMatch(pat, tag), TagPattern.of(pat).matches(tag), pat + " vs " + tag);
        }
        assertTrue(TagPattern.of("a".repeat(63) + "*").matches("a".repeat(70)));
        assertTrue(TagPattern.of("*" + "a".repeat(63)).matches("b" + "a".repeat(63)));
        assertFalse(TagPattern.of("*" + "a".repeat(64)).matches("a".repeat(63)));
    }

    /** The backtracking case of issue 13: a regex engine needs exponential or polynomial time here; this is linear. */
    @Test
    void hostilePatternAgainstALongTagIsLinear() {
        String hostile = "*?".repeat(2_000) + "Z";
        String tag = "a".repeat(100_000);
        TagPattern p = TagPattern.of(hostile);
        long t0 = System.nanoTime();
        assertFalse(p.matches(tag));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // 100,000 chars x 63 words: ~6.3 M word steps, milliseconds; a backtracking engine does not finish.
        assertTrue(ms < 2_000, "took " + ms + " ms");
        assertTrue(TagPattern.of("*?*?*?*Z").matches("a".repeat(10_000) + "Z"));
    }

    @Test
    void runsOfStarsAreOneStar() {
        assertTrue(TagPattern.of("a***b").matches("ab"));
        assertTrue(TagPattern.of("**").matches(""));
        assertFalse(TagPattern.of("a**b").matches("a"));
    }

    private static String random(Random r, String alphabet, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static Pattern regexOf(String glob) {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            sb.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(sb.toString(), Pattern.DOTALL);
    }

    /** The textbook O(n x m) table: match[i][j] = the first i tag chars match the first j pattern chars. */
    private static boolean tableMatch(String glob, String tag) {
        boolean[][] t = new boolean[tag.length() + 1][glob.length() + 1];
        t[0][0] = true;
        for (int j = 1; j <= glob.length(); j++) {
            t[0][j] = glob.charAt(j - 1) == '*' && t[0][j - 1];
        }
        for (int i = 1; i <= tag.length(); i++) {
            for (int j = 1; j <= glob.length(); j++) {
                char g = glob.charAt(j - 1);
                t[i][j] = g == '*' ? t[i][j - 1] || t[i - 1][j]
                        : (g == '?' || g == tag.charAt(i - 1)) && t[i - 1][j - 1];
            }
        }
        return t[tag.length()][glob.length()];
    }

    /** WinDbg matches a pool tag as its four bytes: a short tag is padded with spaces, which captures strip. */
    @Test
    void aShortPoolTagIsMatchedAsItsFourBytes() {
        assertTrue(TagPattern.of("Vad?").matchesPoolTag("Vad"));
        assertTrue(TagPattern.of("Vad ").matchesPoolTag("Vad"));
        assertTrue(TagPattern.of("Vad").matchesPoolTag("Vad"));
        assertTrue(TagPattern.of("Io*").matchesPoolTag("Io"));
        assertFalse(TagPattern.of("Vad??").matchesPoolTag("Vad"));
        assertFalse(TagPattern.of("Vad?").matches("Vad"), "a Linux name is matched as it is");
        assertFalse(TagPattern.of("Vadx").matchesPoolTag("Vad"));
    }
}
