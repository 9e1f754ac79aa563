package pooltag.cli.kd;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * kd's lexical rules, as far as the console needs them: {@code ;} separates commands, {@code '...'} is a
 * character constant and {@code "..."} a string (both may hold spaces and {@code ;}), numbers are hex unless
 * prefixed {@code 0n} (decimal), and a backtick may split a 64-bit number ({@code ffffda00`0a9e0010}).
 */
final class KdSyntax {
    private KdSyntax() {
    }

    /** One word of a command; {@code quote} is {@code '}, {@code "} or 0, and {@code text} is without the quotes. */
    record Token(String text, char quote, int start) {
    }

    /** The commands of one line, split at {@code ;} outside quotes, trimmed, empty ones dropped. */
    static List<String> splitCommands(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
                cur.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                cur.append(c);
            } else if (c == ';') {
                add(out, cur);
            } else {
                cur.append(c);
            }
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }

    /**
     * The words of one command. {@code start} is each word's offset in {@code command}, for kd's
     * "error at '<rest of the command>'" messages.
     *
     * @throws KdError on an unclosed quote
     */
    static List<Token> tokens(String command) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = command.length();
        while (i < n) {
            char c = command.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                int close = command.indexOf(c, i + 1);
                if (close < 0) {
                    throw KdError.syntax(command);
                }
                out.add(new Token(command.substring(i + 1, close), c, i));
                i = close + 1;
                continue;
            }
            int s = i;
            while (i < n && !Character.isWhitespace(command.charAt(i))) {
                i++;
            }
            out.add(new Token(command.substring(s, i), (char) 0, s));
        }
        return out;
    }

    /**
     * A number in kd's default radix 16: {@code 3261654c}, {@code 0x3261654c}, {@code 0n16} (decimal),
     * {@code ffffda00`0a9e0010}. Unsigned 64 bits.
     *
     * @throws NumberFormatException when it is not one
     */
    static long number(String text) {
        String s = text.replace("`", "").toLowerCase(Locale.ROOT);
        int radix = 16;
        if (s.startsWith("0x")) {
            s = s.substring(2);
        } else if (s.startsWith("0n")) {
            s = s.substring(2);
            radix = 10;
        }
        if (s.isEmpty() || s.startsWith("+") || s.startsWith("-")) {
            throw new NumberFormatException(text);
        }
        return Long.parseUnsignedLong(s, radix);
    }

    /**
     * True for {@code nt!PoolHitTag} spelled any way kd accepts it: any case, module {@code nt!} optional.
     */
    static boolean isPoolHitTag(String word) {
        String s = word.toLowerCase(Locale.ROOT);
        return s.equals("nt!poolhittag") || s.equals("poolhittag");
    }
}
