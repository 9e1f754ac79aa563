package pooltag.linux.kmem;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import pooltag.linux.ring.Le;

/**
 * Interns short byte strings (slab cache names from {@code __data_loc} fields) into dense int ids, without creating
 * a String per lookup: the bytes are hashed and compared in place against an arena. A String is made once, when a
 * name is first seen. Ids start at 0 and are fixed for the table's life.
 *
 * <p>Threading: {@link #intern} is called by one thread (the decoder's); {@link #name} may be called from any
 * thread and sees every id returned by {@code intern} before the event carrying it was published.
 */
public final class NameTable {
    private static final int EMPTY = -1;

    private int[] slots = new int[256];       // open addressing, linear probing; holds id or EMPTY
    private int[] hashes = new int[64];       // per id
    private int[] starts = new int[64];       // per id, index into arena
    private int[] lengths = new int[64];      // per id
    private byte[] arena = new byte[4096];
    private int arenaUsed;
    private volatile String[] names = new String[64];
    private int size;

    /**
     * A direct-mapped front for names of at most 16 bytes (most slab cache names), consulted before the table: such a
     * name is exactly its length and two 8-byte words (its first 8 bytes and its last 8, overlapping when shorter
     * than 16; below 8 bytes one word, zero-padded), so a hit compares three numbers where the table hashes, probes
     * and compares bytes. Per kmem_cache event on the merge thread (docs/PERFORMANCE.md "hunt, round 9"). An entry
     * with {@code frontLen == 0} is empty (an empty name never enters the front).
     */
    private static final int FRONT = 256;
    private final long[] frontFirst = new long[FRONT];
    private final long[] frontLast = new long[FRONT];
    private final int[] frontLen = new int[FRONT];
    private final int[] frontId = new int[FRONT];

    public NameTable() {
        Arrays.fill(slots, EMPTY);
    }

    /** The id of the name held in {@code b[off, off+len)}, adding it when new. */
    public int intern(byte[] b, int off, int len) {
        if (len > 16 || len == 0) {
            return internInTable(b, off, len);
        }
        long first;
        long last;
        if (len >= 8) {
            first = Le.i64(b, off);
            last = Le.i64(b, off + len - 8);
        } else {
            first = 0;
            for (int i = len - 1; i >= 0; i--) {
                first = (first << 8) | (b[off + i] & 0xff);
            }
            last = 0;
        }
        long m = (first ^ Long.rotateLeft(last, 29) ^ len) * 0x9E3779B97F4A7C15L;
        int f = (int) (m >>> 56);
        if (frontLen[f] == len && frontFirst[f] == first && frontLast[f] == last) {
            return frontId[f];
        }
        int id = internInTable(b, off, len);
        frontFirst[f] = first;
        frontLast[f] = last;
        frontLen[f] = len;
        frontId[f] = id;
        return id;
    }

    private int internInTable(byte[] b, int off, int len) {
        int h = hash(b, off, len);
        int mask = slots.length - 1;
        int i = h & mask;
        while (true) {
            int id = slots[i];
            if (id == EMPTY) {
                return add(b, off, len, h, i);
            }
            if (hashes[id] == h && lengths[id] == len
                    && Arrays.equals(arena, starts[id], starts[id] + len, b, off, off + len)) {
                return id;
            }
            i = (i + 1) & mask;
        }
    }

    /** The id of a name given as a String (for filters and tests), adding it when new. */
    public int intern(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return intern(b, 0, b.length);
    }

    /** The name of an id returned by {@link #intern}; null for -1 or an unknown id. */
    public String name(int id) {
        String[] n = names;
        return id >= 0 && id < n.length ? n[id] : null;
    }

    public int size() {
        return size;
    }

    private int add(byte[] b, int off, int len, int h, int slot) {
        int id = size;
        if (id == hashes.length) {
            int n = id * 2;
            hashes = Arrays.copyOf(hashes, n);
            starts = Arrays.copyOf(starts, n);
            lengths = Arrays.copyOf(lengths, n);
        }
        if (arenaUsed + len > arena.length) {
            arena = Arrays.copyOf(arena, Math.max(arena.length * 2, arenaUsed + len));
        }
        System.arraycopy(b, off, arena, arenaUsed, len);
        hashes[id] = h;
        starts[id] = arenaUsed;
        lengths[id] = len;
        arenaUsed += len;
        String[] n = names;
        if (id == n.length) {
            n = Arrays.copyOf(n, id * 2);
        }
        n[id] = new String(b, off, len, StandardCharsets.UTF_8);
        names = n; // volatile write publishes the new name before the event that carries its id
        slots[slot] = id;
        size = id + 1;
        if (size * 2 > slots.length) {
            rehash();
        }
        return id;
    }

    private void rehash() {
        int[] s = new int[slots.length * 2];
        Arrays.fill(s, EMPTY);
        int mask = s.length - 1;
        for (int id = 0; id < size; id++) {
            int i = hashes[id] & mask;
            while (s[i] != EMPTY) {
                i = (i + 1) & mask;
            }
            s[i] = id;
        }
        slots = s;
    }

    /**
     * A hash of {@code b[off, off+len)} read 8 bytes at a time (two overlapping words cover any length from 8 to 16,
     * the length of most cache names, in two reads; shorter names byte by byte). Per event on the merge thread: a
     * byte-at-a-time FNV-1a over a 15-20 byte name was its dependency chain of one multiply per byte, 6 % of a live
     * hunt's CPU (docs/PERFORMANCE.md "hunt CPU, round 5"). Only equal bytes need equal hashes; ids do not depend on
     * it.
     */
    static int hash(byte[] b, int off, int len) {
        long h = len * 0x9E3779B97F4A7C15L;
        if (len >= 8) {
            int end = off + len;
            int i = off;
            for (; i + 8 < end; i += 8) {
                h = (h ^ Le.i64(b, i)) * 0xC2B2AE3D27D4EB4FL;
                h ^= h >>> 31;
            }
            h = (h ^ Le.i64(b, end - 8)) * 0xC2B2AE3D27D4EB4FL; // the last 8 bytes, overlapping the loop's when len % 8 != 0
        } else {
            for (int i = off; i < off + len; i++) {
                h = (h ^ (b[i] & 0xff)) * 0x100000001B3L;
            }
            h *= 0xC2B2AE3D27D4EB4FL;
        }
        h ^= h >>> 29;
        return (int) (h ^ (h >>> 32));
    }
}
