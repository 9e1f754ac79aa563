package pooltag.linux.procfs;

import java.nio.charset.StandardCharsets;

/**
 * A procfs table's text walked line by line, each line split into fields as {@code line.trim().split("\\s+")}
 * would split it, kept as offsets into the text: nothing is copied until a field is used, numbers are read in place.
 *
 * <p>Why not {@code String.split} or {@code charAt}: a one-shot {@code poolused} parses /proc/slabinfo and
 * /proc/vmallocinfo (about 2,000 lines, 140 KB) in the interpreter, where each {@code String.charAt} is a chain of
 * calls and each substring an allocation; here a character's class is one array load (docs/PERFORMANCE.md, start-up
 * round 6). The classes come from the text's ISO-8859-1 bytes, one per character, which is exactly what procfs
 * gives; a character beyond ISO-8859-1 (a recording's text is UTF-8) reads as {@code '?'} there and is classified
 * from the text itself, so every answer is the same as the String methods' for any text.
 */
final class TextLines {
    private final String text;
    /** One byte per char of {@code text}: the char itself up to 0xFF, else {@code '?'}. */
    private final byte[] classes;

    private int next;
    private int lineStart;
    private int lineEnd;
    private boolean unterminated;

    private int[] starts = new int[24];
    private int[] ends = new int[24];
    private int count;

    TextLines(String text) {
        this.text = text;
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length != text.length()) {
            // Surrogate pairs: the encoder wrote one '?' for two chars. One byte per char instead, so offsets agree.
            b = new byte[text.length()];
            for (int i = 0; i < b.length; i++) {
                char c = text.charAt(i);
                b[i] = c <= 0xFF ? (byte) c : (byte) '?';
            }
        }
        this.classes = b;
    }

    /** The fields of all of {@code s} taken as one line (a newline in it separates fields), as strings. */
    static String[] fieldsOf(String s) {
        TextLines t = new TextLines(s);
        t.lineStart = 0;
        t.lineEnd = s.length();
        t.split();
        String[] f = new String[t.count];
        for (int i = 0; i < f.length; i++) {
            f[i] = t.field(i);
        }
        return f;
    }

    /** Moves to the next line (the text after the last newline counts when it is not empty); false at the end. */
    boolean nextLine() {
        if (next >= classes.length) {
            return false;
        }
        int nl = next;
        while (nl < classes.length && classes[nl] != '\n') {
            nl++;
        }
        lineStart = next;
        lineEnd = nl;
        unterminated = nl == classes.length;
        next = unterminated ? nl : nl + 1;
        count = -1;
        return true;
    }

    /** The current line has no newline after it: the text ends inside it. */
    boolean unterminated() {
        return unterminated;
    }

    /** The current line, without its newline (for messages). */
    String line() {
        return text.substring(lineStart, lineEnd);
    }

    /** As {@code line().startsWith(prefix)}. */
    boolean lineStartsWith(String prefix) {
        return text.startsWith(prefix, lineStart) && lineStart + prefix.length() <= lineEnd;
    }

    /** As {@code line().isBlank()}: every char is white space ({@link Character#isWhitespace}). */
    boolean lineIsBlank() {
        for (int i = lineStart; i < lineEnd; i++) {
            int c = classes[i] & 0xFF;
            boolean white = c == '?' ? Character.isWhitespace(text.codePointAt(i))
                    : c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
            if (!white) {
                return false;
            }
        }
        return true;
    }

    /**
     * Splits the current line: {@code line.trim()} (chars up to {@code ' '} off both ends), then runs of the
     * {@code \s} characters (space, tab, newline, vertical tab, form feed, carriage return) between fields. A line
     * with nothing left has one empty field, as split gives.
     */
    void split() {
        int from = lineStart;
        int to = lineEnd;
        while (from < to && (classes[from] & 0xFF) <= ' ') {
            from++;
        }
        while (to > from && (classes[to - 1] & 0xFF) <= ' ') {
            to--;
        }
        count = 0;
        if (from == to) {
            add(from, from);
            return;
        }
        int start = -1;
        for (int i = from; i <= to; i++) {
            boolean sep = i == to || isSeparator(classes[i]);
            if (sep && start >= 0) {
                add(start, i);
                start = -1;
            } else if (!sep && start < 0) {
                start = i;
            }
        }
    }

    private static boolean isSeparator(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private void add(int start, int end) {
        if (count == starts.length) {
            starts = java.util.Arrays.copyOf(starts, count * 2);
            ends = java.util.Arrays.copyOf(ends, count * 2);
        }
        starts[count] = start;
        ends[count] = end;
        count++;
    }

    /** Fields of the current line after {@link #split()}. */
    int count() {
        return count;
    }

    String field(int i) {
        return text.substring(starts[i], ends[i]);
    }

    /** As {@code field(i).equals(word)}. */
    boolean fieldIs(int i, String word) {
        return ends[i] - starts[i] == word.length() && text.startsWith(word, starts[i]);
    }

    /** As {@code field(i).startsWith(prefix)}. */
    boolean fieldStartsWith(int i, String prefix) {
        return ends[i] - starts[i] >= prefix.length() && text.startsWith(prefix, starts[i]);
    }

    /** As {@code field(i).indexOf(c)} for a char up to 0xFF other than {@code '?'}. */
    int fieldIndexOf(int i, char c) {
        for (int k = starts[i]; k < ends[i]; k++) {
            if (classes[k] == (byte) c) {
                return k - starts[i];
            }
        }
        return -1;
    }

    /** {@code field(i)}'s first {@code length} chars. */
    String fieldPrefix(int i, int length) {
        return text.substring(starts[i], starts[i] + length);
    }

    /** As {@code Long.parseLong(field(i))}, read in place. */
    long number(int i) {
        return Long.parseLong(text, starts[i], ends[i], 10);
    }
}
