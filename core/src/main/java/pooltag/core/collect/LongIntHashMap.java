package pooltag.core.collect;

import java.util.Arrays;

/**
 * A map from {@code long} keys to {@code int} values over two parallel primitive arrays, open addressing with
 * linear probing: no boxing, no object per entry, no allocation except when it grows. The shape of Agrona's
 * {@code Long2IntHashMap}: the caller names a <i>missing value</i> that {@link #get} and {@link #remove} answer for
 * an absent key, and that can therefore never be stored.
 *
 * <p><b>Invariants.</b> The capacity is a power of two. A slot is empty iff {@code values[slot] == missingValue},
 * so every {@code long}, 0 included, is a legal key. Every key sits at or after its home slot
 * ({@link Hashing#mix}{@code (key) & mask}) with no empty slot between home and it, cyclically; {@link #remove}
 * keeps that without tombstones by shifting the rest of the probe run back into the hole. The table doubles when
 * the size passes {@code capacity * loadFactor}, so a probe run stays short and an insert always finds an empty
 * slot.
 *
 * <p><b>Cost.</b> 12 bytes per slot; at the default load factor 0.5, 24 to 48 bytes per entry. Not thread-safe.
 */
public final class LongIntHashMap {
    public static final float DEFAULT_LOAD_FACTOR = 0.5f;
    private static final int MIN_CAPACITY = 8;

    private final float loadFactor;
    private final int missingValue;
    private long[] keys;
    private int[] values;
    private int mask;
    private int size;
    private int resizeThreshold;

    /** A map for about {@code expected} entries at load factor 0.5. */
    public LongIntHashMap(int expected, int missingValue) {
        this(expected, DEFAULT_LOAD_FACTOR, missingValue);
    }

    /**
     * @param expected     entries it should hold before its first resize
     * @param loadFactor   in (0, 1): the fraction of slots that may be full before the table doubles
     * @param missingValue what {@link #get} and {@link #remove} answer for an absent key; never storable
     */
    public LongIntHashMap(int expected, float loadFactor, int missingValue) {
        if (!(loadFactor > 0 && loadFactor < 1)) {
            throw new IllegalArgumentException("load factor must be in (0, 1): " + loadFactor);
        }
        if (expected < 0) {
            throw new IllegalArgumentException("expected size must be >= 0: " + expected);
        }
        this.loadFactor = loadFactor;
        this.missingValue = missingValue;
        long want = (long) Math.ceil(expected / (double) loadFactor) + 1;
        allocate((int) Math.max(MIN_CAPACITY, Long.highestOneBit(Math.min(1L << 29, want - 1)) << 1));
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(values, missingValue);
        mask = capacity - 1;
        resizeThreshold = (int) (capacity * loadFactor);
    }

    public int missingValue() {
        return missingValue;
    }

    public float loadFactor() {
        return loadFactor;
    }

    /** Slots in the table now (a power of two). */
    public int capacity() {
        return keys.length;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The value of {@code key}, or {@link #missingValue()}. */
    public int get(long key) {
        int missing = missingValue;
        int i = Hashing.mix(key) & mask;
        int v;
        while ((v = values[i]) != missing) {
            if (keys[i] == key) {
                return v;
            }
            i = (i + 1) & mask;
        }
        return missing;
    }

    public boolean containsKey(long key) {
        return get(key) != missingValue;
    }

    /**
     * Maps {@code key} to {@code value}.
     *
     * @return the previous value, or {@link #missingValue()} when the key was absent
     * @throws IllegalArgumentException when {@code value} is the missing value
     */
    public int put(long key, int value) {
        int missing = missingValue;
        if (value == missing) {
            throw new IllegalArgumentException("the missing value " + missing + " cannot be stored");
        }
        int i = Hashing.mix(key) & mask;
        int old;
        while ((old = values[i]) != missing) {
            if (keys[i] == key) {
                values[i] = value;
                return old;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        if (++size > resizeThreshold) {
            grow();
        }
        return missing;
    }

    /**
     * Removes {@code key} and shifts the rest of its probe run back (see the class comment).
     *
     * @return the value it had, or {@link #missingValue()} when it was absent
     */
    public int remove(long key) {
        int missing = missingValue;
        int i = Hashing.mix(key) & mask;
        int v;
        while ((v = values[i]) != missing) {
            if (keys[i] == key) {
                compactFrom(i);
                size--;
                return v;
            }
            i = (i + 1) & mask;
        }
        return missing;
    }

    /** Empties every slot; keeps the capacity. */
    public void clear() {
        if (size > 0) {
            Arrays.fill(values, missingValue);
            size = 0;
        }
    }

    private void compactFrom(int hole) {
        int missing = missingValue;
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            if (values[j] == missing) {
                break;
            }
            int home = Hashing.mix(keys[j]) & mask;
            // The entry at j may stay only if its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = missing;
    }

    private void grow() {
        if (keys.length == 1 << 30) {
            throw new IllegalStateException("LongIntHashMap is full at " + size + " entries");
        }
        long[] k = keys;
        int[] v = values;
        int missing = missingValue;
        allocate(k.length * 2);
        for (int s = 0; s < k.length; s++) {
            if (v[s] != missing) {
                int i = Hashing.mix(k[s]) & mask;
                while (values[i] != missing) {
                    i = (i + 1) & mask;
                }
                keys[i] = k[s];
                values[i] = v[s];
            }
        }
    }

    @Override
    public String toString() {
        return "LongIntHashMap[size=" + size + ", capacity=" + keys.length + "]";
    }
}
