package pooltag.windows.parse;

/** Debugger numbers: hex with or without {@code 0x}, 64-bit addresses with WinDbg's {@code `} separator. */
final class Hex {
    private Hex() {
    }

    /** True when {@code s} is a hex number of at most 64 bits ({@code 0x} and {@code `} allowed). */
    static boolean isHex(String s) {
        int start = s.startsWith("0x") || s.startsWith("0X") ? 2 : 0;
        if (s.length() == start) {
            return false;
        }
        int significant = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.digit(c, 16) < 0 && c != '`') {
                return false;
            }
            if (c != '`' && (significant > 0 || c != '0')) {
                significant++;
            }
        }
        // More than 64 bits is no address or size a debugger prints.
        return significant <= 16;
    }

    /** @throws NumberFormatException when {@code s} is not hex or exceeds 64 bits */
    static long parse(String s) {
        String t = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
        t = t.replace("`", "");
        return Long.parseUnsignedLong(t, 16);
    }
}
