package pooltag.core.ledger;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Keeps the outstanding table at or under its cap ({@link LedgerOptions#maxOutstanding()}): when an allocation
 * arrives and the table is full, the oldest {@code cap / 8} entries (at least one) are evicted at once, each handed
 * to a write-off callback first, so its tags' live counts drop and the ledger counts it as a loss.
 *
 * <p><b>Which entries.</b> Exactly the {@code batch} entries with the smallest allocation ticks (about a millisecond,
 * see {@link EventClock}); among entries of the boundary tick, those met first in table order (effectively at
 * random). The boundary tick is found by a radix select over the ticks: each pass histograms up to 16 bits of the
 * ticks that share the prefix chosen so far (one pass while the ledger has seen under 2^16 ticks, about 68 s; two
 * up to 52 days), then one more pass evicts. No list of candidates is built and nothing is allocated per eviction.
 *
 * <p><b>Cost.</b> About three table scans per {@code cap / 8} evictions: with the table at its capacity of at most
 * 2.5 slots per entry, about 60 slot reads per evicted entry, amortized over the allocations that follow. Nothing
 * at all until the cap is reached. The histogram (at most 256 KiB) is allocated on the first eviction.
 *
 * <p><b>Invariant of the eviction pass.</b> Removing a slot backward-shifts later entries of its probe run into
 * it ({@link OutstandingTable#remove}), so the pass examines the same slot again after each removal. An entry can
 * move only backward along its run, into a slot the pass has not passed yet (or into a slot after the table's end
 * wrapped, which it had already passed and kept): every entry is examined at least once, none is evicted twice.
 */
final class OldestFirstEviction {
    /** The cap is divided by this to get how many entries one eviction removes. */
    static final int BATCH_DIVISOR = 8;
    private static final int MAX_RADIX_BITS = 16;

    private final int cap;
    private final int batch;
    private int[] histogram = new int[0];

    OldestFirstEviction(int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("the outstanding cap must be at least 1: " + cap);
        }
        this.cap = cap;
        this.batch = Math.max(1, cap / BATCH_DIVISOR);
    }

    int cap() {
        return cap;
    }

    /** How many entries one {@link #evict} removes. */
    int batch() {
        return batch;
    }

    /** True when one more insert would pass the cap. */
    boolean full(OutstandingTable t) {
        return t.size() >= cap;
    }

    /**
     * Evicts the {@link #batch()} oldest entries (all of them when fewer are outstanding).
     *
     * @param newestTick the tick of the latest event; a stored tick above it (a wrap after 52 days) counts as it
     * @param writeOff   called with each victim's slot before the slot is emptied
     * @return how many entries were evicted
     */
    int evict(OutstandingTable t, int newestTick, IntConsumer writeOff) {
        int want = Math.min(batch, t.size());
        if (want == 0) {
            return 0;
        }
        long top = Integer.toUnsignedLong(newestTick);
        int bits = 64 - Long.numberOfLeadingZeros(top);
        int radix = Math.min(MAX_RADIX_BITS, Math.max(4, 32 - Integer.numberOfLeadingZeros(t.capacity())));
        if (histogram.length < 1 << radix) {
            histogram = new int[1 << radix];
        }
        int[] h = histogram;
        int capacity = t.capacity();
        // Select: after the loop, (ticks < prefix) number want - need, and (tick == prefix) at least need.
        long prefix = 0;
        int need = want;
        int undecided = bits;
        while (undecided > 0) {
            int step = Math.min(radix, undecided);
            int shift = undecided - step;
            int digitMask = (1 << step) - 1;
            Arrays.fill(h, 0, 1 << step, 0);
            for (int s = 0; s < capacity; s++) {
                if (t.address(s) != 0) {
                    long tk = Math.min(Integer.toUnsignedLong(t.tick(s)), top);
                    if (tk >>> undecided == prefix) {
                        h[(int) (tk >>> shift) & digitMask]++;
                    }
                }
            }
            int d = 0;
            while (need > h[d]) {
                need -= h[d];
                d++;
            }
            prefix = (prefix << step) | d;
            undecided = shift;
        }
        int evicted = 0;
        int atBoundary = need;
        for (int s = 0; s < capacity && evicted < want; s++) {
            while (t.address(s) != 0) {
                long tk = Math.min(Integer.toUnsignedLong(t.tick(s)), top);
                if (tk > prefix || tk == prefix && atBoundary == 0) {
                    break;
                }
                if (tk == prefix) {
                    atBoundary--;
                }
                writeOff.accept(s);
                t.remove(s);
                evicted++;
            }
        }
        return evicted;
    }
}
