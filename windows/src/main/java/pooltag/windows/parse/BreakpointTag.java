package pooltag.windows.parse;

import java.util.Locale;

import pooltag.core.tag.WinDbgTag;

/**
 * The pool tag a conditional breakpoint tests: {@code bp nt!ExAllocatePool2 ".if (@r8 == 0x6b61654c) {} .else {gc}"}
 * breaks on tag {@code Leak}. On x64 the tag is the third argument of every allocator ({@code ExAllocatePool2},
 * {@code ExAllocatePool3}, {@code ExAllocatePoolWithTag}, {@code ExAllocatePoolWithQuotaTag}: {@code r8}) and the
 * second of {@code ExFreePoolWithTag} and {@code ExFreePool2} ({@code rdx}); the condition compares that register
 * with a number ({@code 0x6b61654c}, {@code 6b61654c}: the tag's bytes read little-endian) or a character constant
 * ({@code 'kaeL'}, typed reversed as with {@code ed nt!PoolHitTag}).
 *
 * <p>One pass over the text, no regex: a breakpoint command of any length costs linear time.
 */
public final class BreakpointTag {
    private static final String[] REGISTERS = {"r8d", "r8", "rdx", "edx"};

    private BreakpointTag() {
    }

    /** The tag the text compares a tag register with, trailing spaces dropped; null when it compares none. */
    public static String decode(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        int n = s.length();
        for (int i = 0; i < n; i++) {
            for (String reg : REGISTERS) {
                if (!s.startsWith(reg, i) || (i > 0 && isWord(s.charAt(i - 1)))) {
                    continue;
                }
                int j = i + reg.length();
                if (j < n && isWord(s.charAt(j))) {
                    continue;
                }
                String tag = constantAfterEquals(text, j);
                if (tag != null) {
                    return tag;
                }
            }
        }
        return null;
    }

    private static String constantAfterEquals(String text, int j) {
        int n = text.length();
        while (j < n && text.charAt(j) == ' ') {
            j++;
        }
        if (!text.startsWith("==", j)) {
            return null;
        }
        j += 2;
        while (j < n && text.charAt(j) == ' ') {
            j++;
        }
        long v;
        if (j < n && text.charAt(j) == '\'') {
            int close = text.indexOf('\'', j + 1);
            if (close < 0 || close - j - 1 < 1 || close - j - 1 > 4) {
                return null;
            }
            v = WinDbgTag.charConstantValue(text.substring(j + 1, close));
        } else {
            int from = j;
            if (text.startsWith("0x", j) || text.startsWith("0X", j)) {
                from = j + 2;
            }
            int end = from;
            while (end < n && Character.digit(text.charAt(end), 16) >= 0 && end - from <= 16) {
                end++;
            }
            if (end == from || end - from > 16 || (end < n && isWord(text.charAt(end)))) {
                return null;
            }
            v = Long.parseUnsignedLong(text.substring(from, end), 16);
        }
        v &= 0xffff_ffffL;
        if (v == 0) {
            return null;
        }
        String tag = WinDbgTag.tagOf(v);
        int end = tag.length();
        while (end > 0 && (tag.charAt(end - 1) == ' ' || tag.charAt(end - 1) == 0)) {
            end--;
        }
        return end == 0 ? null : tag.substring(0, end);
    }

    private static boolean isWord(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
