package pooltag.core.ledger;

/**
 * The allocations still outstanding, keyed by address: open addressing with linear probing over parallel
 * primitive arrays, one slot per allocation, no object per entry.
 *
 * <p>Per slot: address (8 B), allocation time in ticks (4 B), size (4 B), pid (4 B), site tag (4 B), stack id
 * (4 B), cache tag (2 B): {@value #BYTES_PER_SLOT} bytes. The table grows (doubles) when it would pass
 * {@value #MAX_LOAD_PERCENT}% load, so it costs {@value #BYTES_PER_SLOT} / 0.8 = 37.5 bytes per outstanding
 * allocation just before growing and 75 just after.
 *
 * <p><b>Invariants.</b> A slot is empty iff its address is 0 (address 0 is never stored: the ledger drops failed
 * allocations before they get here). Every stored address sits at or after its home slot with no empty slot
 * between home and it (cyclically). Deletion keeps that without tombstones by <i>backward shift</i>: after
 * emptying slot {@code i}, each following entry up to the next empty slot moves back into the hole when its home
 * is not cyclically in {@code (i, j]} — i.e. when leaving it at {@code j} would put an empty slot between its
 * home and it. Consequence for callers: a removal may move <b>other</b> entries, so a slot index is only valid
 * until the next {@link #remove} or {@link #insert}; re-check {@link #address(int)} before reusing one.
 *
 * <p>Time is stored in ticks of 2^{@value #TICK_SHIFT} ns (1.048576 ms) since the ledger's first event, as an
 * unsigned int: ages are exact to about a millisecond and sessions may last 52 days before the ticks wrap.
 */
final class OutstandingTable {
    static final int BYTES_PER_SLOT = 8 + 4 + 4 + 4 + 4 + 4 + 2;
    static final int MAX_LOAD_PERCENT = 80;
    static final int TICK_SHIFT = 20;

    long[] addr;
    int[] tick;
    int[] size;
    int[] pid;
    int[] site;
    int[] stack;
    char[] cache;
    private int mask;
    private int count;
    private int growAt;

    OutstandingTable(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(16, initialCapacity - 1)) << 1;
        allocate(cap);
    }

    private void allocate(int cap) {
        addr = new long[cap];
        tick = new int[cap];
        size = new int[cap];
        pid = new int[cap];
        site = new int[cap];
        stack = new int[cap];
        cache = new char[cap];
        mask = cap - 1;
        growAt = (int) ((long) cap * MAX_LOAD_PERCENT / 100);
    }

    int size() {
        return count;
    }

    int capacity() {
        return addr.length;
    }

    /** Bytes held by the arrays now (not counting array headers). */
    long arrayBytes() {
        return (long) capacity() * BYTES_PER_SLOT;
    }

    long address(int slot) {
        return addr[slot];
    }

    /** The slot holding {@code address}, or -1. */
    int find(long address) {
        int i = Hashing.mix(address) & mask;
        long a;
        while ((a = addr[i]) != 0) {
            if (a == address) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /**
     * Claims a slot for {@code address}, which must not be present and must not be 0, and returns it. The caller
     * fills the other fields of that slot before the next call.
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
                move(j, hole);
                hole = j;
            }
        }
        addr[hole] = 0;
        count--;
    }

    private void move(int from, int to) {
        addr[to] = addr[from];
        tick[to] = tick[from];
        size[to] = size[from];
        pid[to] = pid[from];
        site[to] = site[from];
        stack[to] = stack[from];
        cache[to] = cache[from];
    }

    private void grow() {
        long[] oAddr = addr;
        int[] oTick = tick, oSize = size, oPid = pid, oSite = site, oStack = stack;
        char[] oCache = cache;
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
            tick[i] = oTick[s];
            size[i] = oSize[s];
            pid[i] = oPid[s];
            site[i] = oSite[s];
            stack[i] = oStack[s];
            cache[i] = oCache[s];
        }
    }

    /** Empties the table, keeping its capacity. */
    void clear() {
        java.util.Arrays.fill(addr, 0);
        count = 0;
    }
}
