package pooltag.core.tag;

import java.nio.charset.StandardCharsets;

/**
 * Windows pool tags as the debugger stores them: four bytes, in memory order, read as a little-endian DWORD.
 *
 * <p>Worked examples (from the WinDbg docs and the page this project started from):
 * <ul>
 *   <li>{@code ed nt!poolhittag ' cbA'}: a character constant is a big-endian number of its characters
 *       ({@code 0x20636241}), stored little-endian, so memory holds {@code 41 62 63 20} = tag {@code "Abc "};</li>
 *   <li>{@code 'dcba'} is {@code 0x64636261}; memory {@code 61 62 63 64} = tag {@code "abcd"}; {@code dd} shows
 *       {@code 64636261};</li>
 *   <li>the hex value {@code 3261654c} in memory is {@code 4c 65 61 32} = tag {@code "Lea2"}.</li>
 * </ul>
 */
public final class WinDbgTag {
    private WinDbgTag() {
    }

    /**
     * The DWORD value of a WinDbg character constant: its characters taken as a big-endian number, the last
     * character in the low byte. At most 8 characters (a QWORD constant); {@code ed} keeps the low 32 bits.
     *
     * @throws IllegalArgumentException on an empty constant or a non-Latin-1 character
     */
    public static long charConstantValue(String inner) {
        if (inner.isEmpty() || inner.length() > 8) {
            throw new IllegalArgumentException("character constant must have 1 to 8 characters: '" + inner + "'");
        }
        long v = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c > 0xff) {
                throw new IllegalArgumentException("character constant holds a non-byte character: '" + inner + "'");
            }
            v = (v << 8) | c;
        }
        return v;
    }

    /** The four bytes in memory of a DWORD (little-endian): {@code 0x20636241} gives {@code 41 62 63 20}. */
    public static byte[] dwordBytes(long dword) {
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (dword >>> (8 * i));
        }
        return b;
    }

    /** The tag text of a DWORD: its four memory bytes as Latin-1 characters ({@code 0x3261654c} is {@code Lea2}). */
    public static String tagOf(long dword) {
        return new String(dwordBytes(dword), StandardCharsets.ISO_8859_1);
    }

    /** The DWORD whose memory bytes spell {@code tag} (padded with spaces to 4): {@code "Abc"} gives 0x20636241. */
    public static long dwordOf(String tag) {
        if (tag.length() > 4) {
            throw new IllegalArgumentException("a Windows pool tag has at most 4 characters: '" + tag + "'");
        }
        String padded = (tag + "    ").substring(0, 4);
        long v = 0;
        for (int i = 3; i >= 0; i--) {
            char c = padded.charAt(i);
            if (c > 0xff) {
                throw new IllegalArgumentException("a pool tag holds only byte characters: '" + tag + "'");
            }
            v = (v << 8) | c;
        }
        return v;
    }
}
