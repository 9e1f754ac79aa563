package pooltag.cli.kd;

import java.nio.charset.StandardCharsets;

import pooltag.core.tag.WinDbgTag;

/**
 * The console's {@code nt!PoolHitTag}: the bytes {@code db}/{@code dd} show, and the Linux tag armed from them.
 *
 * <p>Invariants: {@code bytes} is what "memory" holds, 4 bytes for a DWORD written by {@code ed} (a character
 * constant or a number, little-endian as on Windows), or the characters of a double-quoted Linux tag (any length,
 * no terminating NUL); {@code linuxTag} is null exactly when no hit is armed (0, WinDbg's default
 * {@code ffffff0f}).
 */
record PoolHitTag(byte[] bytes, String linuxTag) {
    /** WinDbg's initial PoolHitTag: a value no pool tag has, so nothing breaks. */
    static final long DEFAULT_DWORD = 0xffffff0fL;

    static PoolHitTag initial() {
        return new PoolHitTag(WinDbgTag.dwordBytes(DEFAULT_DWORD), null);
    }

    static PoolHitTag cleared() {
        return new PoolHitTag(WinDbgTag.dwordBytes(0), null);
    }

    /**
     * A DWORD written by {@code ed}: 0 clears, {@code ffffff0f} restores the default (clears too); anything else
     * must spell a tag of printable ASCII characters, trailing spaces and NULs allowed ({@code 0x20636241} is
     * {@code "Abc "}, armed on Linux as {@code Abc}).
     *
     * @throws IllegalArgumentException when the bytes are not a tag (the message says which byte)
     */
    static PoolHitTag ofDword(long dword) {
        if (dword == 0) {
            return cleared();
        }
        if (dword == DEFAULT_DWORD) {
            return initial();
        }
        byte[] b = WinDbgTag.dwordBytes(dword);
        int end = 4;
        while (end > 0 && (b[end - 1] == ' ' || b[end - 1] == 0)) {
            end--;
        }
        if (end == 0) {
            throw new IllegalArgumentException(String.format("%08x is not a pool tag: only spaces", dword));
        }
        for (int i = 0; i < end; i++) {
            if (b[i] < 0x21 || b[i] > 0x7e) {
                throw new IllegalArgumentException(String.format(
                        "%08x is not a pool tag: byte %d is %02x, not a printable character", dword, i, b[i] & 0xff));
            }
        }
        return new PoolHitTag(b, new String(b, 0, end, StandardCharsets.ISO_8859_1));
    }

    /** A double-quoted Linux tag ({@code "alloc_pipe_info"}): its characters are the memory, all of them the tag. */
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

    boolean armed() {
        return linuxTag != null;
    }
}
