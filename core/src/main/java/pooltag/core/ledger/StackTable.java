package pooltag.core.ledger;

import java.util.Arrays;

import pooltag.core.collect.Hashing;
import pooltag.core.event.AllocEvent;

/**
 * Kernel stacks interned once: each distinct sequence of frames gets a dense id (0, 1, 2, ...). Frames of all
 * stacks live in one growing {@code long[]} arena, innermost frame first as the kernel records them; per id the
 * table keeps the start in the arena, the depth and a 32-bit hash of the frames. The hash is the stack's
 * printable tag ({@code ~3fa2c1d0}); two different stacks may share it (about one pair in 9,300 among 1,000
 * stacks), and then both keep their own id and the tag names both.
 *
 * <p>The index is open addressing over {@code int[]} holding {@code id + 1} (0 = empty), grow-only.
 * Interning an already known stack reads the event's frames twice (hash, compare) and allocates nothing.
 */
final class StackTable {
    private long[] arena = new long[4096];
    private int arenaUsed;
    private int[] start = new int[256];
    private int[] depth = new int[256];
    private int[] hash = new int[256];
    private int count;
    private int[] index = new int[512];

    int size() {
        return count;
    }

    long arenaBytes() {
        return (long) arena.length * 8 + (long) start.length * 12 + (long) index.length * 4;
    }

    /** The id of the stack in a STACK event, interning it on first sight. */
    int intern(AllocEvent e) {
        int n = e.stackDepth();
        int h = SEED;
        for (int i = 0; i < n; i++) {
            h = step(h, e.stackFrame(i));
        }
        h = finish(h, n);
        int mask = index.length - 1;
        int i = h & mask;
        int idPlus;
        while ((idPlus = index[i]) != 0) {
            int id = idPlus - 1;
            if (hash[id] == h && depth[id] == n && sameFrames(id, e)) {
                return id;
            }
            i = (i + 1) & mask;
        }
        ensureArena(n);
        int s = arenaUsed;
        for (int k = 0; k < n; k++) {
            arena[s + k] = e.stackFrame(k);
        }
        arenaUsed += n;
        return add(h, s, n, i);
    }

    /** Interns frames given as an array (innermost first); for sources that are not event views, and tests. */
    int intern(long[] frames, int n) {
        int h = SEED;
        for (int i = 0; i < n; i++) {
            h = step(h, frames[i]);
        }
        h = finish(h, n);
        int mask = index.length - 1;
        int i = h & mask;
        int idPlus;
        while ((idPlus = index[i]) != 0) {
            int id = idPlus - 1;
            if (hash[id] == h && depth[id] == n
                    && Arrays.equals(arena, start[id], start[id] + n, frames, 0, n)) {
                return id;
            }
            i = (i + 1) & mask;
        }
        ensureArena(n);
        System.arraycopy(frames, 0, arena, arenaUsed, n);
        int s = arenaUsed;
        arenaUsed += n;
        return add(h, s, n, i);
    }

    private boolean sameFrames(int id, AllocEvent e) {
        int s = start[id];
        for (int k = 0, n = depth[id]; k < n; k++) {
            if (arena[s + k] != e.stackFrame(k)) {
                return false;
            }
        }
        return true;
    }

    private int add(int h, int s, int n, int slot) {
        if (count == start.length) {
            start = Arrays.copyOf(start, count * 2);
            depth = Arrays.copyOf(depth, count * 2);
            hash = Arrays.copyOf(hash, count * 2);
        }
        int id = count++;
        start[id] = s;
        depth[id] = n;
        hash[id] = h;
        index[slot] = id + 1;
        if (count * 2 > index.length) {
            rehash();
        }
        return id;
    }

    private void rehash() {
        index = new int[index.length * 2];
        int mask = index.length - 1;
        for (int id = 0; id < count; id++) {
            int i = hash[id] & mask;
            while (index[i] != 0) {
                i = (i + 1) & mask;
            }
            index[i] = id + 1;
        }
    }

    private void ensureArena(int n) {
        if (arenaUsed + n > arena.length) {
            arena = Arrays.copyOf(arena, Math.max(arena.length * 2, arenaUsed + n));
        }
    }

    int depth(int id) {
        return depth[id];
    }

    long frame(int id, int i) {
        return arena[start[id] + i];
    }

    /** A copy of the frames, innermost first. */
    long[] frames(int id) {
        return Arrays.copyOfRange(arena, start[id], start[id] + depth[id]);
    }

    int hash(int id) {
        return hash[id];
    }

    /** The printable tag: {@code ~} and the frames' hash as 8 hex digits. */
    String tag(int id) {
        return tagOf(hash[id]);
    }

    static String tagOf(int hash) {
        String hex = Integer.toHexString(hash);
        return "~" + "00000000".substring(hex.length()) + hex;
    }

    private static final int SEED = 0x3c6ef372;

    private static int step(int h, long frame) {
        h ^= Hashing.mix(frame);
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    private static int finish(int h, int n) {
        h ^= n;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
