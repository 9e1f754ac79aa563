package pooltag.core.ledger;

/**
 * A published frame of recent growth per call site: for each site tag, how many of its allocations made between
 * {@link #minAgeNanos()} and {@link #maxAgeNanos()} before {@link #takenAtNanos()} were still outstanding then. What
 * the hunt's armer ranks the leading sites by, from its own thread ({@link Ledger#recentSites()}), without reading
 * the live outstanding table.
 *
 * <p>Immutable once published (the writer fills the arrays before the volatile store that publishes the frame).
 * Ages are measured in slots of {@link RecentSitesTracker#SLOT_NANOS} (67.1 ms): an allocation counts when the middle of
 * the slot it was made in lies within the age window, so each edge of the window is exact to half a slot (34 ms).
 */
public final class RecentSites {
    private final long takenAtNanos;
    private final long minAgeNanos;
    private final long maxAgeNanos;
    private final String[] names;
    private final long[] counts;
    private final long[] allocs;

    /**
     * A frame; the ledger makes them ({@link Ledger#recentSites()}), a test may too. {@code counts[i]} and
     * {@code allocs[i]} are site i's; all three arrays have one entry per site.
     */
    public RecentSites(long takenAtNanos, long minAgeNanos, long maxAgeNanos, String[] names, long[] counts,
                       long[] allocs) {
        if (counts.length != names.length || allocs.length != names.length) {
            throw new IllegalArgumentException("names, counts and allocs differ in length: " + names.length + ", "
                    + counts.length + ", " + allocs.length);
        }
        this.takenAtNanos = takenAtNanos;
        this.minAgeNanos = minAgeNanos;
        this.maxAgeNanos = maxAgeNanos;
        this.names = names;
        this.counts = counts;
        this.allocs = allocs;
    }

    /** The ledger's "now" (its latest event time) when the frame was taken, ns on the event clock. */
    public long takenAtNanos() {
        return takenAtNanos;
    }

    public long minAgeNanos() {
        return minAgeNanos;
    }

    public long maxAgeNanos() {
        return maxAgeNanos;
    }

    /** Site tags known at the frame's time: ids are 0 to {@code sites() - 1}, the ledger's own. */
    public int sites() {
        return names.length;
    }

    public String name(int site) {
        return names[site];
    }

    /** Outstanding allocations of {@code site} made within the age window. */
    public long count(int site) {
        return counts[site];
    }

    /**
     * Allocations of {@code site} since the ledger began, outstanding or not (what a stack trigger on the site costs
     * a stack record each).
     */
    public long allocs(int site) {
        return allocs[site];
    }
}
