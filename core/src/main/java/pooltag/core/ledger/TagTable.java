package pooltag.core.ledger;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The tags of one kind: dense ids, names, and PoolMon's counters per (tag, pool). Names are resolved when a tag is
 * created, never per event.
 *
 * <p>Layout: the five counters of a (tag, pool) cell sit together in {@code counters}, {@value #STRIDE} longs from
 * {@link #at}{@code (id, pool)} ({@link #ALLOCS} ... {@link #ALLOC_BYTES}), so counting an event touches one cache
 * line per tag kind instead of one per counter (a hunt counts every event in three kinds: see
 * docs/PERFORMANCE.md "hunt, round 9").
 *
 * <p>Counters: {@code allocs}, {@code frees} and {@code allocBytes} (bytes allocated) count events since the ledger
 * began; {@code live} and {@code bytes} describe the outstanding table now. {@code live} differs from
 * {@code allocs - frees} by the outstanding allocations written off without a free: double allocations and
 * evictions over the cap (see {@link Ledger}).
 */
final class TagTable {
    static final int POOLS = 2;

    String[] names = new String[64];
    int count;
    /** Longs per (tag, pool) cell in {@link #counters}, and each counter's place in it. */
    static final int STRIDE = 5;
    static final int ALLOCS = 0;
    static final int FREES = 1;
    static final int LIVE = 2;
    static final int BYTES = 3;
    static final int ALLOC_BYTES = 4;
    /** Per (tag, pool) cell, {@link #STRIDE} counters (see the class comment). */
    long[] counters = new long[64 * POOLS * STRIDE];
    boolean[] untraceable = new boolean[64];
    /**
     * Per tag: outstanding allocations found freed without a free event, because a new allocation came at their
     * address (double allocations). Evidence that the tag's frees go through untraced paths (kfree_rcu, bulk frees).
     */
    long[] stale = new long[64];
    private final Map<String, Integer> byName = new HashMap<>();
    private final Set<String> untraceableNames = new HashSet<>();

    /** The id of {@code name}, creating the tag on first use. Cold path. */
    int intern(String name) {
        Integer id = byName.get(name);
        if (id != null) {
            return id;
        }
        return add(name);
    }

    /**
     * Adds a tag even when the name exists (two stacks with the same printable hash keep their own ids); the
     * name index then points at the first.
     */
    int add(String name) {
        if (count == names.length) {
            int cap = count * 2;
            names = Arrays.copyOf(names, cap);
            untraceable = Arrays.copyOf(untraceable, cap);
            stale = Arrays.copyOf(stale, cap);
            counters = Arrays.copyOf(counters, cap * POOLS * STRIDE);
        }
        int id = count++;
        names[id] = name;
        untraceable[id] = untraceableNames.contains(name);
        byName.putIfAbsent(name, id);
        return id;
    }

    /** -1 when no tag has this name. */
    int find(String name) {
        Integer id = byName.get(name);
        return id == null ? -1 : id;
    }

    /** All ids whose name is {@code name} (more than one only for colliding stack hashes). */
    int[] findAll(String name) {
        int first = find(name);
        if (first < 0) {
            return new int[0];
        }
        int[] out = new int[]{first};
        for (int i = first + 1; i < count; i++) {
            if (names[i].equals(name)) {
                out = Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = i;
            }
        }
        return out;
    }

    void markUntraceable(String name) {
        untraceableNames.add(name);
        for (int i = 0; i < count; i++) {
            if (names[i].equals(name)) {
                untraceable[i] = true;
            }
        }
    }

    /** Where the counters of tag {@code id} in pool {@code pool} begin in {@link #counters}. */
    static int at(int id, int pool) {
        return (id * POOLS + pool) * STRIDE;
    }

    /** A counter of tag {@code id} in pool {@code pool}: {@link #ALLOCS} ... {@link #ALLOC_BYTES}. */
    long counter(int id, int pool, int which) {
        return counters[at(id, pool) + which];
    }

    /** Allocations per tag since the ledger began, both pools together: index = tag id, {@link #count} of them. */
    long[] allocsPerTag() {
        long[] out = new long[count];
        for (int id = 0; id < count; id++) {
            for (int pool = 0; pool < POOLS; pool++) {
                out[id] += counters[at(id, pool) + ALLOCS];
            }
        }
        return out;
    }

    void alloc(int id, int pool, long size) {
        int c = at(id, pool);
        long[] k = counters;
        k[c + ALLOCS]++;
        k[c + LIVE]++;
        k[c + BYTES] += size;
        k[c + ALLOC_BYTES] += size;
    }

    void free(int id, int pool, long size) {
        int c = at(id, pool);
        long[] k = counters;
        k[c + FREES]++;
        k[c + LIVE]--;
        k[c + BYTES] -= size;
    }

    /** An outstanding allocation written off without a free event (double allocation at its address, eviction). */
    void drop(int id, int pool, long size) {
        int c = at(id, pool);
        counters[c + LIVE]--;
        counters[c + BYTES] -= size;
    }
}
