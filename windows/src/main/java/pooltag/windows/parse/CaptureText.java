package pooltag.windows.parse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import pooltag.core.error.IoReasons;
import pooltag.core.error.PooltagException;

/**
 * The text of one capture (a debugger log, a PoolMon screen or snapshot file, a pooltag.txt), split into lines,
 * with the name every error message starts with. Immutable.
 *
 * <p>Line numbers are 1-based, as editors show them. A line whose first character is {@code #} is a comment
 * (the {@code # source:} header of a saved capture, or a note added by whoever saved it); no debugger or
 * PoolMon output starts in column 0 with {@code #} (the {@code kvn} header is {@code " # ChildEBP"}).
 */
public final class CaptureText {
    /** Bytes examined to tell text from binary data. */
    private static final int SNIFF_BYTES = 4096;
    private static final Pattern TIME_LINE = Pattern.compile(
            "^\\s*(?:#\\s*time:\\s*)?(\\d{4}-\\d{2}-\\d{2})[T ](\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?)\\s*(Z|[+-]\\d{2}:?\\d{2})?$");

    private final String name;
    /** The whole text, decoded once; a line becomes a string only when a reader asks for it. */
    private final String text;
    /**
     * Where each line starts in {@link #text} ({@code lineCount} of them), then {@code text.length()}: line {@code n}
     * runs from {@code starts[n - 1]} to the next start less its terminator and trailing blanks. Four bytes a line,
     * where a list of strings cost about fifty (a 255 MiB capture of short lines took 3 GB that way).
     */
    private final int[] starts;
    private final int lineCount;
    /** The text does not end with a line break: its last line may have been cut anywhere (a capture cut short). */
    private final boolean lastLineUnended;
    /** The last line a reader asked for: where an unexpected number error happened. Reader's thread only. */
    private int lastLine;

    /**
     * The largest capture read: far beyond any real one (a day of PoolMon screens every 5 s is ~100 MiB), and a
     * bound on the memory one file can take.
     */
    static final long MAX_BYTES = 256L << 20;
    /**
     * The longest line read: debugger and PoolMon lines are a few hundred bytes (a wide PoolMon row with its
     * Mapped_Driver text under 1 KiB); a longer one is not a capture, and is refused before it is made a string.
     */
    static final int MAX_LINE_BYTES = 1 << 20;
    /**
     * The most lines read: 8 bytes a line on average at {@link #MAX_BYTES}, far more than any capture has (a day of
     * PoolMon screens every 5 s is about 2 M lines); bounds the line index at 128 MiB.
     */
    static final int MAX_LINES = 32 << 20;

    private CaptureText(String name, String text) {
        this.name = name;
        this.text = text;
        // Lines as String.lines() splits them: a terminator is \n, \r or \r\n; a last line without one counts when
        // it is not empty.
        int n = text.length();
        int[] at = new int[Math.min(MAX_LINES, n / 32 + 16) + 1];
        int count = 0;
        int lineStart = 0;
        while (lineStart < n) {
            if (count == MAX_LINES) {
                throw new PooltagException(name + ":" + (count + 1) + ": more than " + MAX_LINES + " lines, more"
                        + " than any capture of !poolused, PoolMon, !poolfind, !verifier or pooltag.txt");
            }
            if (count + 1 >= at.length) {
                at = java.util.Arrays.copyOf(at, (int) Math.min(MAX_LINES + 1L, at.length + (at.length >> 1) + 16));
            }
            at[count++] = lineStart;
            int j = lineStart;
            while (j < n && text.charAt(j) != '\n' && text.charAt(j) != '\r') {
                j++;
            }
            lineStart = j < n && text.charAt(j) == '\r' && j + 1 < n && text.charAt(j + 1) == '\n' ? j + 2 : j + 1;
        }
        at[count] = n;
        this.starts = at;
        this.lineCount = count;
        char last = text.isEmpty() ? '\n' : text.charAt(n - 1);
        this.lastLineUnended = last != '\n' && last != '\r';
    }

    /** Text already in memory; {@code name} is what error messages call it. */
    public static CaptureText of(String name, String text) {
        return new CaptureText(name, text);
    }

    /**
     * Reads a capture file. A byte-order mark picks UTF-16 (PowerShell's {@code >} writes UTF-16LE) or UTF-8;
     * otherwise UTF-8, or Latin-1 when the bytes are not UTF-8 (pool tags are bytes, not Unicode).
     *
     * @throws PooltagException when the file cannot be read or holds binary data (a NUL byte outside UTF-16)
     */
    public static CaptureText read(Path file) {
        String name = file.toString();
        byte[] bytes;
        // A pipe or a device (<(cat f), /dev/zero) has no size to check first: every read is bounded instead, and
        // the head is checked for binary data before the rest is read.
        try (InputStream in = Files.newInputStream(file)) {
            if (Files.isRegularFile(file) && Files.size(file) > MAX_BYTES) {
                throw tooLarge(name, Files.size(file) + " bytes");
            }
            byte[] head = in.readNBytes(SNIFF_BYTES);
            decode(name, head); // a NUL or control bytes in the head: refused before reading more
            byte[] rest = in.readNBytes((int) MAX_BYTES + 1 - head.length);
            if (head.length + rest.length > MAX_BYTES) {
                throw tooLarge(name, "more than " + (MAX_BYTES >> 20) + " MiB");
            }
            bytes = new byte[head.length + rest.length];
            System.arraycopy(head, 0, bytes, 0, head.length);
            System.arraycopy(rest, 0, bytes, head.length, rest.length);
        } catch (NoSuchFileException e) {
            throw new PooltagException(name + ": no such file");
        } catch (IOException e) {
            throw new PooltagException(name + ": cannot read: " + IoReasons.of(e), e);
        }
        return new CaptureText(name, decode(name, bytes));
    }

    /** {@code text}, when none of its lines is longer than {@link #MAX_LINE_BYTES} characters (a UTF-16 capture). */
    private static String boundedLines(String name, String text) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                line += c == '\n' ? 1 : 0;
                lineStart = i + 1;
            } else if (i - lineStart >= MAX_LINE_BYTES) {
                throw lineTooLong(name, line);
            }
        }
        return text;
    }

    private static PooltagException lineTooLong(String name, int line) {
        return new PooltagException(name + ":" + line + ": a line longer than " + (MAX_LINE_BYTES >> 20) + " MiB, not"
                + " a text capture of !poolused, PoolMon, !poolfind, !verifier or pooltag.txt");
    }

    private static PooltagException tooLarge(String name, String size) {
        return new PooltagException(name + ": " + size + ", larger than any capture (limit " + (MAX_BYTES >> 20)
                + " MiB)");
    }

    private static String decode(String name, byte[] b) {
        if (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe) {
            return boundedLines(name, new String(b, 2, b.length - 2, StandardCharsets.UTF_16LE));
        }
        if (b.length >= 2 && (b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff) {
            return boundedLines(name, new String(b, 2, b.length - 2, StandardCharsets.UTF_16BE));
        }
        int start = b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf ? 3 : 0;
        int line = 1;
        int controls = 0;
        int sniffed = Math.min(b.length, SNIFF_BYTES);
        int lineStart = start;
        for (int i = start; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c == '\n' || c == '\r') { // a lone CR ends a line too (String.lines)
                line += c == '\n' ? 1 : 0;
                lineStart = i + 1;
            } else if (i - lineStart >= MAX_LINE_BYTES) {
                throw lineTooLong(name, line);
            } else if (c == 0) {
                throw new PooltagException(name + ":" + line + ": binary data (a NUL byte at offset " + i
                        + "), not a text capture of !poolused, PoolMon, !poolfind, !verifier or pooltag.txt");
            } else if (i < sniffed && c < 0x20 && c != '\t' && c != '\r' && c != '\f') {
                controls++;
            }
        }
        // Text captures have no control bytes besides TAB, CR, LF; a few percent means an executable or archive.
        if (sniffed > 0 && controls * 20 > sniffed) {
            throw new PooltagException(name + ":1: binary data (" + controls + " control bytes in the first "
                    + sniffed + "), not a text capture of !poolused, PoolMon, !poolfind, !verifier or pooltag.txt");
        }
        Charset utf8 = StandardCharsets.UTF_8;
        try {
            return utf8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, start, b.length - start)).toString();
        } catch (CharacterCodingException e) {
            return new String(b, start, b.length - start, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * True when {@code n} is the last line and no line break follows it: what a capture cut in the middle of a line
     * looks like (every capture a debugger or PoolMon saves ends its lines). A reader must not trust its last field.
     */
    public boolean unendedLine(int n) {
        return lastLineUnended && n == lineCount;
    }

    public String name() {
        return name;
    }

    public int lineCount() {
        return lineCount;
    }

    /**
     * The text of line {@code n} (1-based), without its line terminator and trailing blanks: those carry nothing in
     * any capture layout, so no reader scans a run of them, and a line of only spaces is blank.
     */
    public String line(int n) {
        java.util.Objects.checkIndex(n - 1, lineCount);
        lastLine = n;
        return lineText(n);
    }

    private String lineText(int n) {
        int start = starts[n - 1];
        int end = starts[n];
        if (end > start && text.charAt(end - 1) == '\n') {
            end--;
            if (end > start && text.charAt(end - 1) == '\r') {
                end--;
            }
        } else if (end > start && text.charAt(end - 1) == '\r') {
            end--;
        }
        // as String.stripTrailing (whitespace is never a surrogate, so a char-wise walk is the code-point one)
        while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /**
     * Runs a reader over this text so that no number it did not expect escapes as a Java exception: a count or
     * address too large for 64 bits ({@link NumberFormatException}) becomes one {@code file:line:} error naming
     * the line the reader was on.
     */
    public <T> T read(java.util.function.Supplier<T> reader) {
        try {
            return reader.get();
        } catch (NumberFormatException e) {
            throw error(Math.max(1, lastLine), "a number out of range (" + e.getMessage() + ")");
        }
    }

    /**
     * A line of ours ({@code # source:}, {@code # time:}) or of a script that saved the capture: starts with
     * {@code #}. Not PoolMon's header as Microsoft's PoolMon page prints it ({@code ## Tag   Type  Allocs ...}).
     */
    public static boolean isComment(String line) {
        return line.startsWith("#") && !FormatDetector.isPoolMonHeader(line);
    }

    /**
     * A table none of whose {@code skipped} lines reads as a row ({@code expected} names the columns), named at the
     * first: a wrong file or a mangled copy is an error, never a table of zeros.
     */
    public PooltagException noRowReads(int firstSkipped, String table, String expected, long skipped) {
        return error(firstSkipped, "no line of the " + table + " table reads as a row (" + expected + "); " + skipped
                + (skipped == 1 ? " line" : " lines") + " skipped, this is the first");
    }

    /** An error that names this capture and line {@code n}: {@code file:n: what}. */
    public PooltagException error(int n, String what) {
        return new PooltagException(name + ":" + n + ": " + what);
    }

    /**
     * The moment the capture was taken, when it says so on a line of its own before its table: an ISO-8601
     * date and time ({@code 2026-11-25T19:20:49Z}, {@code 2026-11-25 19:20:49}), bare or as {@code # time: ...}
     * (as a scheduled {@code poolmon -n} job writes it with {@code date} or {@code Get-Date -Format o}). A time
     * without a zone is read as UTC.
     *
     * @return nanoseconds since the Unix epoch, or 0 when the capture carries no time
     */
    public long embeddedEpochNanos() {
        for (int n = 1; n <= lineCount; n++) {
            Matcher m = TIME_LINE.matcher(lineText(n));
            if (!m.matches()) {
                continue;
            }
            try {
                String zone = m.group(3);
                Instant t;
                if (zone == null) {
                    t = LocalDateTime.parse(m.group(1) + "T" + m.group(2)).toInstant(ZoneOffset.UTC);
                } else {
                    if (zone.length() == 5) {
                        zone = zone.substring(0, 3) + ":" + zone.substring(3);
                    }
                    t = OffsetDateTime.parse(m.group(1) + "T" + m.group(2) + zone).toInstant();
                }
                return t.getEpochSecond() * 1_000_000_000L + t.getNano();
            } catch (DateTimeParseException e) {
                // A line shaped like a time but not a real one (month 13) is not the capture's time.
            }
        }
        return 0;
    }
}
