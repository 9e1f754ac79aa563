package pooltag.engine.publish;

import java.util.regex.Pattern;

/**
 * Keeps kernel addresses out of everything a server serves (metrics labels, web JSON). A tag is normally a cache
 * name or a symbol, but {@code /proc/vmallocinfo} prints a raw {@code 0xffff...} when a caller has no symbol and
 * {@code phys=0x...} on some lines; those reach tag strings through the vmalloc rows. Treated as an address: a
 * {@code 0x} with 8 or more hex digits, or a bare hex run of 12 or more digits (a 64-bit kernel pointer prints 16).
 * Not masked: cache-name numbers ({@code kmalloc-8192}), offsets in stack frames ({@code pipe_write+0x1a4/0x4c0})
 * and stack tags, whose id is an 8-digit hash ({@code ~3fa2c1d0}), not an address.
 */
public final class Redact {
    private static final Pattern ADDRESS = Pattern.compile("(?i)0x[0-9a-f]{8,}|(?<![0-9a-z])[0-9a-f]{12,}");

    /** What an address is replaced by. */
    public static final String MASK = "<addr>";

    private Redact() {
    }

    /** The text with every address-like hex run replaced by {@link #MASK}; the same string when there is none. */
    public static String addresses(String s) {
        if (s == null || s.length() < 8) {
            return s;
        }
        return ADDRESS.matcher(s).replaceAll(MASK);
    }
}
