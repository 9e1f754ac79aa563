package pooltag.cli.kd;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code db}, {@code dd} and {@code dc} of the console's one variable, laid out as kd lays out memory.
 *
 * <p>The address column shows the symbol ({@code nt!PoolHitTag}, then {@code nt!PoolHitTag+0x10} on later lines)
 * instead of a number: the console has no kernel address to show, and printing a real kernel address would leak
 * the KASLR base into logs. Bytes past the variable's end are {@code ??}, as kd shows memory it cannot read.
 *
 * <p>{@code db}: 16 bytes a line, a {@code -} between the 8th and 9th, two spaces, then the bytes as ASCII
 * (0x20..0x7e, others {@code .}, unknown {@code ?}). Every line is padded to the full 16-byte width, as kd does,
 * so {@code L4} of {@code "Abc "} prints {@code nt!PoolHitTag  41 62 63 20}, 38 spaces, {@code Abc }.
 * {@code dd}: 4 little-endian DWORDs a line, {@code ????????} when any byte is unknown, no padding.
 * {@code dc}: {@code dd}'s DWORDs padded to the width of 4, two spaces, then the bytes of those DWORDs as
 * characters ({@code dc nt!PoolHitTag l1} of {@code 3261654c} ends {@code 3261654c}, 29 spaces, {@code Lea2}).
 */
final class MemoryDump {
    static final String SYMBOL = "nt!PoolHitTag";

    private MemoryDump() {
    }

    /** {@code count} bytes from the start of {@code memory}. */
    static List<String> bytes(byte[] memory, int count) {
        int lines = (count + 15) / 16;
        int w = labelWidth(lines, 16);
        List<String> out = new ArrayList<>(lines);
        for (int line = 0; line < lines; line++) {
            StringBuilder hex = new StringBuilder(48);
            StringBuilder ascii = new StringBuilder(16);
            int from = line * 16;
            int to = Math.min(count, from + 16);
            for (int i = from; i < to; i++) {
                if (i > from) {
                    hex.append(i - from == 8 ? '-' : ' ');
                }
                if (i < memory.length) {
                    int b = memory[i] & 0xff;
                    hex.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
                    ascii.append(b >= 0x20 && b <= 0x7e ? (char) b : '.');
                } else {
                    hex.append("??");
                    ascii.append('?');
                }
            }
            // kd pads every line, the last and only one too, so the characters always start in one column.
            while (hex.length() < 47) {
                hex.append(' ');
            }
            out.add(pad(label(line * 16), w) + "  " + hex + "  " + ascii);
        }
        return out;
    }

    /** {@code count} DWORDs from the start of {@code memory}. */
    static List<String> dwords(byte[] memory, int count) {
        int lines = (count + 3) / 4;
        int w = labelWidth(lines, 16);
        List<String> out = new ArrayList<>(lines);
        for (int line = 0; line < lines; line++) {
            StringBuilder sb = new StringBuilder(pad(label(line * 16), w)).append(' ');
            for (int d = line * 4; d < Math.min(count, line * 4 + 4); d++) {
                sb.append(' ');
                int at = d * 4;
                if (at + 4 > memory.length) {
                    sb.append("????????");
                } else {
                    long v = (memory[at] & 0xffL) | (memory[at + 1] & 0xffL) << 8 | (memory[at + 2] & 0xffL) << 16
                            | (memory[at + 3] & 0xffL) << 24;
                    sb.append(String.format("%08x", v));
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** {@code count} DWORDs from the start of {@code memory}, with their bytes as characters. */
    static List<String> dwordsAndChars(byte[] memory, int count) {
        List<String> dw = dwords(memory, count);
        List<String> out = new ArrayList<>(dw.size());
        for (int line = 0; line < dw.size(); line++) {
            StringBuilder sb = new StringBuilder(dw.get(line));
            int width = labelWidth(dw.size(), 16) + 2 + 35;
            while (sb.length() < width) {
                sb.append(' ');
            }
            sb.append("  ");
            for (int i = line * 16; i < Math.min(count * 4, line * 16 + 16); i++) {
                if (i < memory.length) {
                    int b = memory[i] & 0xff;
                    sb.append(b >= 0x20 && b <= 0x7e ? (char) b : '.');
                } else {
                    sb.append('?');
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static String label(int offset) {
        return offset == 0 ? SYMBOL : SYMBOL + "+0x" + Integer.toHexString(offset);
    }

    private static int labelWidth(int lines, int bytesPerLine) {
        return label((lines - 1) * bytesPerLine).length();
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }
}
