package pooltag.cli.kd;

import java.nio.charset.StandardCharsets;

import pooltag.core.tag.WinDbgTag;

/**
 * The console's {@code nt!PoolHitTag}: the bytes {@code db}/{@code dd}/{@code dc} show, and the Linux tag name
 * those bytes spell.
 *
 * <p>As in WinDbg, {@code ed} writes memory whatever the value: whether a Linux tag carries that name is a
 * separate question, answered by the target when the console arms it (a note at {@code ed}, an error at
 * {@code g}).
 *
 * <p>Invariants: {@code bytes} is what "memory" holds, 4 bytes for a DWORD written by {@code ed} (a character
 * constant or a number, little-endian as on Windows), or the characters of a double-quoted Linux tag (any length,
 * no terminating NUL). {@code name} is the tag those bytes spell (trailing spaces and NULs dropped, as a Windows
 * tag is padded), or null when they spell none: 0 and WinDbg's default {@code ffffff0f} (nothing to break on),
 * and values with a byte outside printable ASCII.
 */
record PoolHitTag(byte[] bytes, String name) {
    /** WinDbg's initial PoolHitTag: a value no pool tag has, so nothing breaks. */
    static final long DEFAULT_DWORD = 0xffffff0fL;

    static PoolHitTag initial() {
        return ofDword(DEFAULT_DWORD);
    }

    /** Any 32-bit value, as {@code ed} stores it. */
    static PoolHitTag ofDword(long dword) {
        byte[] b = WinDbgTag.dwordBytes(dword);
        if (dword == 0 || dword == DEFAULT_DWORD) {
            return new PoolHitTag(b, null);
        }
        int end = 4;
        while (end > 0 && (b[end - 1] == ' ' || b[end - 1] == 0)) {
            end--;
        }
        if (end == 0) {
            return new PoolHitTag(b, null);
        }
        for (int i = 0; i < end; i++) {
            if (b[i] < 0x21 || b[i] > 0x7e) {
                return new PoolHitTag(b, null);
            }
        }
        return new PoolHitTag(b, new String(b, 0, end, StandardCharsets.ISO_8859_1));
    }

    /**
     * A double-quoted Linux tag ({@code "alloc_pipe_info"}): its characters are the memory, all of them the name.
     *
     * @throws IllegalArgumentException when the string is empty or holds a character that no tag has
     */
    static PoolHitTag ofLinuxTag(String tag) {
        if (tag.isEmpty()) {
            throw new IllegalArgumentException("empty tag: \"\" names nothing (0 clears PoolHitTag)");
        }
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException("\"" + tag + "\" is not a tag: character " + i
                        + " is not printable ASCII");
            }
        }
        return new PoolHitTag(tag.getBytes(StandardCharsets.US_ASCII), tag);
    }

    /** True for 0 and WinDbg's default: the values that mean "no hit tag", for which nothing is noted. */
    boolean isClear() {
        if (bytes.length != 4) {
            return false;
        }
        long v = dword();
        return v == 0 || v == DEFAULT_DWORD;
    }

    /** The first 4 bytes as kd's {@code dd} shows them ({@code 20636241} for {@code "Abc "}). */
    long dword() {
        long v = 0;
        for (int i = Math.min(4, bytes.length) - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[i] & 0xff);
        }
        return v;
    }

    /** How the value reads in a note: {@code 'Abc '} for printable bytes, else the DWORD ({@code 0000ff41}). */
    String shown() {
        if (name != null) {
            return "'" + new String(bytes, StandardCharsets.ISO_8859_1) + "'";
        }
        return String.format("%08x", dword());
    }
}
