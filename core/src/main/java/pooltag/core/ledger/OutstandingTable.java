package pooltag.core.ledger;

import pooltag.core.collect.Hashing;

/**
 * The allocations still outstanding, keyed by address: open addressing with linear probing over two primitive
 * arrays, one slot per allocation, no object per entry.
 *
 * <p><b>Layout.</b> {@code addr[slot]} holds the key alone, so probing reads 8 keys per cache line. The rest of a
 * slot sits together in {@code meta[slot * 5 ...]} (20 bytes, usually one cache line), so an insert or a free
 * touches about two lines instead of one per field:
 * <pre>
 *   +0 tick   allocation time, ticks of 2^20 ns (1.048576 ms) since the ledger's first event, unsigned
 *   +1 size   bytes allocated, saturated at 2^31 - 1
 *   +2 pid
 *   +3 site tag (high 20 bits) | cache tag (low 12 bits)
 *   +4 stack id, -1 = none
 * </pre>
 * {@value #BYTES_PER_SLOT} bytes per slot; the table doubles before passing {@value #MAX_LOAD_PERCENT}% load, so
 * it costs 28 / 0.8 = 35 bytes per outstanding allocation just before growing (70 just after). Limits that follow:
 * {@value #MAX_CACHE_TAGS} cache tags and {@value #MAX_SITE_TAGS} site tags (the ledger folds the excess into one
 * overflow tag and counts it); ages wrap after 52 days.
 *
 * <p><b>Invariants.</b> A slot is empty iff its address is 0 (address 0 is never stored: the ledger drops failed
 * allocations before they get here). Every stored address sits at or after its home slot with no empty slot
 * between home and it (cyclically). Deletion keeps that without tombstones by <i>backward shift</i>: after
 * emptying slot {@code i}, each following entry up to the next empty slot moves back into the hole when its home
 * is not cyclically in {@code (hole, j]}, i.e. when leaving it at {@code j} would put an empty slot between its
 * home and it. Consequence for callers: a removal may move <b>other</b> entries, so a slot index is only valid
 * until the next {@link #remove} or {@link #insert}; re-check {@link #address(int)} before reusing one.
 *
 * <p><b>Owner column.</b> Optional ({@link #enableOwner}, before the first insert): one more {@code int} per slot in
 * its own array, moved with the slot, for the cgroup tag and the accounted bit of {@code --tag-by cgroup}
 * ({@value #OWNER_BYTES_PER_SLOT} B more per slot only when enabled).
 */
final class OutstandingTable {
    static final int META = 5;
    static final int BYTES_PER_SLOT = 8 + META * 4;
    static final int MAX_LOAD_PERCENT = 80;
    static final int TICK_SHIFT = 20;
    static final int CACHE_BITS = 12;
    static final int MAX_CACHE_TAGS = 1 << CACHE_BITS;
    static final int MAX_SITE_TAGS = 1 << (32 - CACHE_BITS);
    private static final int CACHE_MASK = MAX_CACHE_TAGS - 1;

    static final int OWNER_BYTES_PER_SLOT = 4;

    long[] addr;
    int[] meta;
    /** Owner per slot (see the class comment), or null when not enabled. */
    int[] owner;
    private int mask;
    private int count;
    private int growAt;

    OutstandingTable(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(16, initialCapacity - 1)) << 1;
        allocate(cap);
    }

    private void allocate(int cap) {
        addr = new long[cap];
        meta = new int[cap * META];
        if (owner != null) {
            owner = new int[cap];
        }
        mask = cap - 1;
        growAt = (int) ((long) cap * MAX_LOAD_PERCENT / 100);
    }

    /**
     * The capacity the table has grown to when it holds {@code entries} (from a smaller start): the smallest power of
     * two, at least 16, whose {@value #MAX_LOAD_PERCENT}% load limit admits them all.
     */
    static int capacityFor(int entries) {
        int cap = 16;
        while ((long) cap * MAX_LOAD_PERCENT / 100 < entries) {
            cap <<= 1;
        }
        return cap;
    }

    int size() {
        return count;
    }

    int capacity() {
        return addr.length;
    }

    /** Bytes held by the arrays now (not counting the two array headers). */
    long arrayBytes() {
        return (long) capacity() * (BYTES_PER_SLOT + (owner == null ? 0 : OWNER_BYTES_PER_SLOT));
    }

    /** Adds the owner column; only while the table is empty. */
    void enableOwner() {
        if (count != 0) {
            throw new IllegalStateException("the owner column must be enabled before the first allocation");
        }
        if (owner == null) {
            owner = new int[addr.length];
        }
    }

    int owner(int slot) {
        return owner[slot];
    }

    void setOwner(int slot, int value) {
        owner[slot] = value;
    }

    long address(int slot) {
        return addr[slot];
    }

    int tick(int slot) {
        return meta[slot * META];
    }

    int size(int slot) {
        return meta[slot * META + 1];
    }

    int pid(int slot) {
        return meta[slot * META + 2];
    }

    int site(int slot) {
        return meta[slot * META + 3] >>> CACHE_BITS;
    }

    int cache(int slot) {
        return meta[slot * META + 3] & CACHE_MASK;
    }

    int stack(int slot) {
        return meta[slot * META + 4];
    }

    /** Fills a slot claimed by {@link #insert}. {@code cache < MAX_CACHE_TAGS}, {@code site < MAX_SITE_TAGS}. */
    void set(int slot, int tick, int size, int pid, int site, int cache, int stack) {
        int m = slot * META;
        int[] a = meta;
        a[m] = tick;
        a[m + 1] = size;
        a[m + 2] = pid;
        a[m + 3] = (site << CACHE_BITS) | cache;
        a[m + 4] = stack;
    }

    void setStack(int slot, int stack) {
        meta[slot * META + 4] = stack;
    }

    /** The slot holding {@code address}, or -1. */
    int find(long address) {
        int r = probe(address);
        return r >= 0 ? r : -1;
    }

    /**
     * One probe for an allocation: the slot holding {@code address} ({@code >= 0}), or, when it is absent,
     * {@code -1 - e} where {@code e} is the empty slot that ends its probe run: where {@link #insert} would put it,
     * while nothing is inserted or removed in between and the table need not grow ({@link #claim}).
     */
    int probe(long address) {
        int i = Hashing.mix(address) & mask;
        long a;
        while ((a = addr[i]) != 0) {
            if (a == address) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1 - i;
    }

    /**
     * Claims for {@code address} the empty slot {@code e} a {@link #probe} of it just found ({@code -1 - e} was its
     * answer; no insert or remove since), or probes again when the table must grow first. Returns the slot, to be
     * filled with {@link #set} before the next call. Saves an allocation the second hash and probe of {@link #find}
     * then {@link #insert}.
     */
    int claim(long address, int e) {
        if (count >= growAt) {
            return insert(address);
        }
        addr[e] = address;
        count++;
        return e;
    }

    /**
     * Claims a slot for {@code address}, which must not be present and must not be 0, and returns it. The caller
     * fills the slot with {@link #set} before the next call.
     */
    int insert(long address) {
        if (count >= growAt) {
            grow();
        }
        int i = Hashing.mix(address) & mask;
        while (addr[i] != 0) {
            i = (i + 1) & mask;
        }
        addr[i] = address;
        count++;
        return i;
    }

    /** Empties {@code slot} and backward-shifts the rest of its probe run (see the class comment). */
    void remove(int slot) {
        int hole = slot;
        int j = slot;
        while (true) {
            j = (j + 1) & mask;
            long a = addr[j];
            if (a == 0) {
                break;
            }
            int home = Hashing.mix(a) & mask;
            // The entry at j may stay only if its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                addr[hole] = a;
                System.arraycopy(meta, j * META, meta, hole * META, META);
                if (owner != null) {
                    owner[hole] = owner[j];
                }
                hole = j;
            }
        }
        addr[hole] = 0;
        count--;
    }

    private void grow() {
        long[] oAddr = addr;
        int[] oMeta = meta;
        int[] oOwner = owner;
        allocate(oAddr.length * 2);
        for (int s = 0; s < oAddr.length; s++) {
            long a = oAddr[s];
            if (a == 0) {
                continue;
            }
            int i = Hashing.mix(a) & mask;
            while (addr[i] != 0) {
                i = (i + 1) & mask;
            }
            addr[i] = a;
            System.arraycopy(oMeta, s * META, meta, i * META, META);
            if (oOwner != null) {
                owner[i] = oOwner[s];
            }
        }
    }
}
