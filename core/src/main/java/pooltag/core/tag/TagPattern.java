package pooltag.core.tag;

import java.util.Arrays;

/**
 * A TagString as {@code !poolused} and PoolMon take it: case-sensitive, {@code *} matches any run of
 * characters (including none), {@code ?} matches exactly one. Every other character stands for itself.
 *
 * <p>Matching is a bit-parallel simulation of the pattern's automaton (shift-and): one pass over the tag, each
 * character costing {@code ceil((m + 1) / 64)} word operations for a pattern of {@code m} characters (runs of
 * {@code *} count once). There is no backtracking, so no pattern can make a match take more than
 * {@code O(tag length x pattern words)}: {@code *?*?*?...Z} against a long tag is as cheap as {@code abc}. Patterns of
 * up to 63 characters (every real tag pattern) match without allocating; longer ones allocate two small arrays per
 * call. Characters are UTF-16 units ({@code ?} matches one unit).
 */
public final class TagPattern {
    private final String text;
    private final boolean literal;
    /** Normalised pattern length (consecutive stars folded): states are 0..m, state i = "the first i matched". */
    private final int m;
    private final int words;
    /** Per ASCII char c, words [c*words, c*words+words): bit i set when pattern[i] is c or '?'. */
    private final long[] asciiMask;
    /** Bits of the '?' positions: the mask of any character the pattern does not name. */
    private final long[] anyMask;
    /** Non-ASCII characters the pattern names, sorted, and their masks (words per character). */
    private final char[] otherChars;
    private final long[] otherMasks;
    /** Bits of the '*' positions: a star's state loops on any character and also reaches the next state free. */
    private final long[] starMask;

    private TagPattern(String text) {
        this.text = text;
        this.literal = text.indexOf('*') < 0 && text.indexOf('?') < 0;
        StringBuilder norm = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' && norm.length() > 0 && norm.charAt(norm.length() - 1) == '*') {
                continue;
            }
            norm.append(c);
        }
        this.m = norm.length();
        this.words = (m + 1 + 63) >>> 6;
        this.asciiMask = new long[128 * words];
        this.anyMask = new long[words];
        this.starMask = new long[words];
        char[] others = norm.chars().filter(c -> c >= 128).distinct().sorted().collect(StringBuilder::new,
                StringBuilder::appendCodePoint, StringBuilder::append).toString().toCharArray();
        this.otherChars = others;
        this.otherMasks = new long[others.length * words];
        for (int i = 0; i < m; i++) {
            char c = norm.charAt(i);
            int w = i >>> 6;
            long bit = 1L << (i & 63);
            if (c == '*') {
                starMask[w] |= bit;
            } else if (c == '?') {
                anyMask[w] |= bit;
                for (int a = 0; a < 128; a++) {
                    asciiMask[a * words + w] |= bit;
                }
                for (int o = 0; o < others.length; o++) {
                    otherMasks[o * words + w] |= bit;
                }
            } else if (c < 128) {
                asciiMask[c * words + w] |= bit;
            } else {
                otherMasks[Arrays.binarySearch(others, c) * words + w] |= bit;
            }
        }
    }

    public static TagPattern of(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty tag pattern");
        }
        return new TagPattern(text);
    }

    /** A pattern that matches every tag ({@code *}). */
    public static TagPattern any() {
        return new TagPattern("*");
    }

    public boolean isLiteral() {
        return literal;
    }

    /**
     * A Windows pool tag (four bytes): captures print a shorter tag padded with spaces and readers keep it stripped
     * ({@code Vad } is {@code Vad}), so the pattern also gets the tag padded back to four, as WinDbg matches it:
     * {@code Vad?} and {@code "Vad "} find {@code Vad}.
     */
    public boolean matchesPoolTag(String tag) {
        return matches(tag) || tag.length() < 4 && matches((tag + "   ").substring(0, 4));
    }

    public boolean matches(CharSequence tag) {
        if (literal) {
            return text.contentEquals(tag);
        }
        return words == 1 ? matchesOneWord(tag) : matchesWords(tag);
    }

    /** The pattern fits one long: the state set is a single register. */
    private boolean matchesOneWord(CharSequence tag) {
        long star = starMask[0];
        long d = 1L;
        d |= (d & star) << 1;
        for (int k = 0, n = tag.length(); k < n && d != 0; k++) {
            char c = tag.charAt(k);
            long mask = c < 128 ? asciiMask[c] : otherMask(c, 0);
            d = ((d & mask) << 1) | (d & star);
            d |= (d & star) << 1;
        }
        return (d & (1L << m)) != 0;
    }

    private boolean matchesWords(CharSequence tag) {
        long[] d = new long[words];
        long[] next = new long[words];
        d[0] = 1L;
        closeOverStars(d);
        for (int k = 0, n = tag.length(); k < n; k++) {
            char c = tag.charAt(k);
            long carry = 0;
            boolean alive = false;
            for (int w = 0; w < words; w++) {
                long mask = c < 128 ? asciiMask[c * words + w] : otherMask(c, w);
                long moved = d[w] & mask;
                next[w] = (moved << 1) | carry | (d[w] & starMask[w]);
                carry = moved >>> 63;
            }
            closeOverStars(next);
            for (int w = 0; w < words; w++) {
                alive |= next[w] != 0;
            }
            long[] t = d;
            d = next;
            next = t;
            if (!alive) {
                return false;
            }
        }
        return (d[m >>> 6] & (1L << (m & 63))) != 0;
    }

    /** A star's state also stands in the next one (the star matched nothing); stars never follow stars here. */
    private void closeOverStars(long[] d) {
        long carry = 0;
        for (int w = 0; w < words; w++) {
            long s = d[w] & starMask[w];
            d[w] |= (s << 1) | carry;
            carry = s >>> 63;
        }
    }

    private long otherMask(char c, int word) {
        int o = Arrays.binarySearch(otherChars, c);
        return o < 0 ? anyMask[word] : otherMasks[o * words + word];
    }

    @Override
    public String toString() {
        return text;
    }
}
