package pooltag.core.ledger;

import pooltag.core.collect.Hashing;

/**
 * The allocations still outstanding, keyed by address: open addressing with linear probing over one primitive
 * array, one slot per allocation, no object per entry.
 *
 * <p><b>Layout.</b> A slot is {@value #STRIDE} ints (28 bytes) of {@code slots}, its key first, so a probe that
 * finds its address has the rest of the entry in the same cache line (or the next): pairing a free costs one cache
 * miss into the table, where keys in one array and the other fields in another cost two, the second waiting on the
 * first (docs/PERFORMANCE.md "hunt, round 9"):
 * <pre>
 *   +0 address, low 32 bits   } 0 = empty
 *   +1 address, high 32 bits  }
 *   +2 tick   allocation time, ticks of 2^20 ns (1.048576 ms) since the ledger's first event, unsigned
 *   +3 size   bytes allocated, saturated at 2^31 - 1
 *   +4 pid
 *   +5 site tag (high 20 bits) | cache tag (low 12 bits)
 *   +6 stack id, -1 = none
 * </pre>
 * {@value #BYTES_PER_SLOT} bytes per slot; the table doubles before passing {@value #MAX_LOAD_PERCENT}% load, so
 * it costs 28 / 0.8 = 35 bytes per outstanding allocation just before growing (70 just after). Limits that follow:
 * {@value #MAX_CACHE_TAGS} cache tags and {@value #MAX_SITE_TAGS} site tags (the ledger folds the excess into one
 * overflow tag and counts it); ages wrap after 52 days; at most {@value #MAX_CAPACITY} slots (one int array).
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
    /** Ints per slot. */
    static final int STRIDE = 7;
    static final int BYTES_PER_SLOT = STRIDE * 4;
    /** The most slots one int array holds at {@link #STRIDE} ints each, as a power of two. */
    static final int MAX_CAPACITY = 1 << 28;
    static final int MAX_LOAD_PERCENT = 80;
    static final int TICK_SHIFT = 20;
    static final int CACHE_BITS = 12;
    static final int MAX_CACHE_TAGS = 1 << CACHE_BITS;
    static final int MAX_SITE_TAGS = 1 << (32 - CACHE_BITS);
    private static final int CACHE_MASK = MAX_CACHE_TAGS - 1;

    static final int OWNER_BYTES_PER_SLOT = 4;

    /** {@link #STRIDE} ints per slot, laid out as the class comment says. */
    private int[] slots;
    /** Owner per slot (see the class comment), or null when not enabled. */
    private int[] owner;
    private int mask;
    private int count;
    private int growAt;

    OutstandingTable(int initialCapacity) {
        // the smallest power of two at or above the request (clamped to MAX_CAPACITY first), and at least 32
        allocate(Integer.highestOneBit(Math.max(16, Math.min(MAX_CAPACITY, initialCapacity) - 1)) << 1);
    }

    private void allocate(int cap) {
        slots = new int[cap * STRIDE];
        if (owner != null) {
            owner = new int[cap];
        }
        mask = cap - 1;
        // full at the load limit, or at the last slot but one when the table can grow no more (a probe then still
        // ends at an empty slot; the ledger's cap, below this, evicts before it comes to that)
        growAt = cap >= MAX_CAPACITY ? cap - 1 : (int) ((long) cap * MAX_LOAD_PERCENT / 100);
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

    /** Slots (used or empty): slot indices run from 0 to this, exclusive. */
    int capacity() {
        return mask + 1;
    }

    /** Bytes held by the arrays now (not counting the array headers). */
    long arrayBytes() {
        return (long) capacity() * (BYTES_PER_SLOT + (owner == null ? 0 : OWNER_BYTES_PER_SLOT));
    }

    /** Adds the owner column; only while the table is empty. */
    void enableOwner() {
        if (count != 0) {
            throw new IllegalStateException("the owner column must be enabled before the first allocation");
        }
        if (owner == null) {
            owner = new int[capacity()];
        }
    }

    int owner(int slot) {
        return owner[slot];
    }

    void setOwner(int slot, int value) {
        owner[slot] = value;
    }

    /** The address in {@code slot}, 0 when it is empty. */
    long address(int slot) {
        int w = slot * STRIDE;
        return ((long) slots[w + 1] << 32) | (slots[w] & 0xffff_ffffL);
    }

    int tick(int slot) {
        return slots[slot * STRIDE + 2];
    }

    int size(int slot) {
        return slots[slot * STRIDE + 3];
    }

    int pid(int slot) {
        return slots[slot * STRIDE + 4];
    }

    int site(int slot) {
        return slots[slot * STRIDE + 5] >>> CACHE_BITS;
    }

    int cache(int slot) {
        return slots[slot * STRIDE + 5] & CACHE_MASK;
    }

    int stack(int slot) {
        return slots[slot * STRIDE + 6];
    }

    /** Fills a slot claimed by {@link #insert}. {@code cache < MAX_CACHE_TAGS}, {@code site < MAX_SITE_TAGS}. */
    void set(int slot, int tick, int size, int pid, int site, int cache, int stack) {
        int w = slot * STRIDE;
        int[] s = slots;
        s[w + 2] = tick;
        s[w + 3] = size;
        s[w + 4] = pid;
        s[w + 5] = (site << CACHE_BITS) | cache;
        s[w + 6] = stack;
    }

    void setStack(int slot, int stack) {
        slots[slot * STRIDE + 6] = stack;
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
        int[] s = slots;
        int m = mask;
        int lo = (int) address;
        int hi = (int) (address >>> 32);
        int i = Hashing.mix(address) & m;
        while (true) {
            int w = i * STRIDE;
            int l = s[w];
            int h = s[w + 1];
            if ((l | h) == 0) {
                return -1 - i; // empty first: address 0 is never stored, so it is never found
            }
            if (l == lo && h == hi) {
                return i;
            }
            i = (i + 1) & m;
        }
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
        put(e, address);
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
            if (count >= growAt) { // at MAX_CAPACITY: the ledger's cap evicts long before this
                throw new IllegalStateException("outstanding table full at " + count + " entries");
            }
        }
        int i = Hashing.mix(address) & mask;
        while (address(i) != 0) {
            i = (i + 1) & mask;
        }
        put(i, address);
        count++;
        return i;
    }

    private void put(int slot, long address) {
        int w = slot * STRIDE;
        slots[w] = (int) address;
        slots[w + 1] = (int) (address >>> 32);
    }

    /** Empties {@code slot} and backward-shifts the rest of its probe run (see the class comment). */
    void remove(int slot) {
        int[] s = slots;
        int m = mask;
        int hole = slot;
        int j = slot;
        while (true) {
            j = (j + 1) & m;
            long a = address(j);
            if (a == 0) {
                break;
            }
            int home = Hashing.mix(a) & m;
            // The entry at j may stay only if its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                System.arraycopy(s, j * STRIDE, s, hole * STRIDE, STRIDE);
                if (owner != null) {
                    owner[hole] = owner[j];
                }
                hole = j;
            }
        }
        put(hole, 0);
        count--;
    }

    private void grow() {
        if (capacity() >= MAX_CAPACITY) {
            return; // as large as it can be (growAt is then capacity - 1: insert refuses the last slots)
        }
        int[] old = slots;
        int[] oldOwner = owner;
        int oldCapacity = capacity();
        allocate(oldCapacity * 2);
        int[] s = slots;
        int m = mask;
        for (int o = 0; o < oldCapacity; o++) {
            int ow = o * STRIDE;
            long a = ((long) old[ow + 1] << 32) | (old[ow] & 0xffff_ffffL);
            if (a == 0) {
                continue;
            }
            int i = Hashing.mix(a) & m;
            while (address(i) != 0) {
                i = (i + 1) & m;
            }
            System.arraycopy(old, ow, s, i * STRIDE, STRIDE);
            if (oldOwner != null) {
                owner[i] = oldOwner[o];
            }
        }
    }
}
