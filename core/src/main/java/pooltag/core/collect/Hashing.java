package pooltag.core.collect;

/**
 * Hash mixing for keys that are aligned kernel addresses (low bits always zero, high bits all ones), and any other
 * {@code long} a primitive table keys on.
 */
public final class Hashing {
    private Hashing() {
    }

    /** Murmur3's 64-bit finalizer folded to 32 bits: every input bit affects the low bits used as a slot. */
    public static int mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return (int) k;
    }
}
