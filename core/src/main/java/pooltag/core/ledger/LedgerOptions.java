package pooltag.core.ledger;

/**
 * How a {@link Ledger} is set up, fixed for its life.
 *
 * @param policy              what the platform knows about its tags ({@link TagPolicy#NONE} for none)
 * @param maxOutstanding      the cap on outstanding allocations: beyond it the ledger evicts the oldest and counts
 *                            them ({@link LedgerStats#evictedOutstanding()}); between {@value #MIN_MAX_OUTSTANDING}
 *                            and {@value #MAX_MAX_OUTSTANDING}. The outstanding table then holds at most
 *                            {@link #tableBytesFor} bytes: at most {@value #STEADY_BYTES_PER_OUTSTANDING} B per
 *                            allowed allocation, {@value #PEAK_BYTES_PER_OUTSTANDING} B while its last doubling copies
 *                            the old arrays into the new
 * @param expectedOutstanding how many to size the table for at first (it grows as needed, up to the cap)
 */
public record LedgerOptions(TagPolicy policy, int maxOutstanding, int expectedOutstanding) {
    public static final int MIN_MAX_OUTSTANDING = 16;
    /**
     * The table's largest capacity ({@link OutstandingTable#MAX_CAPACITY}, 2^28 slots: what one int array holds at 7
     * ints a slot) at its 80% load limit: 214,748,363.
     */
    public static final int MAX_MAX_OUTSTANDING =
            (int) ((long) OutstandingTable.MAX_CAPACITY * OutstandingTable.MAX_LOAD_PERCENT / 100) - 1;
    /**
     * Bytes of outstanding table per allowed allocation when the table is as large as the cap makes it: 28-byte slots
     * ({@link OutstandingTable#BYTES_PER_SLOT}), and the power-of-two capacity that keeps the cap under 80% load is at
     * most 2.5 slots per allowed allocation.
     */
    public static final int STEADY_BYTES_PER_OUTSTANDING = 70;
    /** The same during the last doubling, when the old arrays (half the new) are still held: 1.5 x 70. */
    public static final int PEAK_BYTES_PER_OUTSTANDING = 105;
    /** The default cap lets the outstanding table take at most this fraction (1 / N) of the maximum heap. */
    public static final int HEAP_SHARE_DIVISOR = 4;
    static final int DEFAULT_EXPECTED = 1 << 16;

    public LedgerOptions {
        if (policy == null) {
            throw new IllegalArgumentException("policy is null (use TagPolicy.NONE)");
        }
        if (maxOutstanding < MIN_MAX_OUTSTANDING || maxOutstanding > MAX_MAX_OUTSTANDING) {
            throw new IllegalArgumentException("the outstanding cap must be between " + MIN_MAX_OUTSTANDING + " and "
                    + MAX_MAX_OUTSTANDING + ": " + maxOutstanding);
        }
        if (expectedOutstanding < 0) {
            throw new IllegalArgumentException("expected outstanding must be >= 0: " + expectedOutstanding);
        }
    }

    /** No policy, the heap-sized cap ({@link #defaultMaxOutstanding()}), sized for 65,536 at first. */
    public static LedgerOptions defaults() {
        return new LedgerOptions(TagPolicy.NONE, defaultMaxOutstanding(), DEFAULT_EXPECTED);
    }

    /**
     * The default cap: the outstanding table may take a quarter of the maximum heap at its peak. For example
     * {@code -Xmx1g}: 1 GiB / 4 / 105 B = 2,556,528 outstanding allocations.
     */
    public static int defaultMaxOutstanding() {
        return forHeap(Runtime.getRuntime().maxMemory());
    }

    /** The cap that keeps the outstanding table within {@code 1 / HEAP_SHARE_DIVISOR} of a heap of this size. */
    public static int forHeap(long maxHeapBytes) {
        long n = maxHeapBytes / HEAP_SHARE_DIVISOR / PEAK_BYTES_PER_OUTSTANDING;
        return (int) Math.max(MIN_MAX_OUTSTANDING, Math.min(MAX_MAX_OUTSTANDING, n));
    }

    /** Bytes of outstanding table arrays once {@code maxOutstanding} allocations are outstanding (no more follow). */
    public static long tableBytesFor(int maxOutstanding) {
        return (long) OutstandingTable.capacityFor(maxOutstanding) * OutstandingTable.BYTES_PER_SLOT;
    }

    public LedgerOptions withPolicy(TagPolicy p) {
        return new LedgerOptions(p, maxOutstanding, expectedOutstanding);
    }

    public LedgerOptions withMaxOutstanding(int max) {
        return new LedgerOptions(policy, max, expectedOutstanding);
    }

    public LedgerOptions withExpectedOutstanding(int expected) {
        return new LedgerOptions(policy, maxOutstanding, expected);
    }
}
