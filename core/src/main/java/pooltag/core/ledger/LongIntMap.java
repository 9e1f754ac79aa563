package pooltag.core.ledger;

import java.util.Arrays;

/**
 * A grow-only map from {@code long} keys to non-negative {@code int} values over two parallel arrays, linear
 * probing. Used for lookups that happen once per event (call site to site tag, large kmalloc size to cache tag):
 * no boxing, no allocation except when it grows.
 *
 * <p>Invariant: a slot is empty iff {@code values[i] == MISSING}; so any long, 0 included, can be a key. There is
 * no removal, which keeps probing chains intact without tombstones.
 */
public final class LongIntMap {
    public static final int MISSING = -1;

    private long[] keys;
    private int[] values;
    private int mask;
    private int size;
    private int resizeAt;

    public LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
        alloc(cap);
    }

    private void alloc(int cap) {
        keys = new long[cap];
        values = new int[cap];
        Arrays.fill(values, MISSING);
        mask = cap - 1;
        resizeAt = cap / 2;
    }

    /** The value of {@code key}, or {@link #MISSING}. */
    public int get(long key) {
        int i = slot(key);
        while (true) {
            int v = values[i];
            if (v == MISSING || keys[i] == key) {
                return v;
            }
            i = (i + 1) & mask;
        }
    }

    /** Sets {@code key} to {@code value} (which must be >= 0). */
    public void put(long key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("values must be >= 0: " + value);
        }
        int i = slot(key);
        while (values[i] != MISSING && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] == MISSING) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
        if (size > resizeAt) {
            grow();
        }
    }

    public int size() {
        return size;
    }

    private void grow() {
        long[] k = keys;
        int[] v = values;
        alloc(k.length * 2);
        size = 0;
        for (int i = 0; i < k.length; i++) {
            if (v[i] != MISSING) {
                put(k[i], v[i]);
            }
        }
    }

    private int slot(long key) {
        return Hashing.mix(key) & mask;
    }
}
