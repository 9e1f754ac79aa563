package pooltag.core.snapshot;

/**
 * What a source or a ledger could not account for. Every report and every JSON output prints these; a zero is
 * printed as a zero, not left out.
 *
 * @param lostEvents         events the kernel dropped (ring-buffer overruns, page-header lost counts)
 * @param unpairedFrees      frees whose allocation was never seen (tracking began after it, or it was lost)
 * @param skippedRecords     input records not understood and skipped (with their count, never silently)
 * @param evictedOutstanding outstanding allocations the ledger dropped, oldest first, to stay under its cap
 *                           ({@code --max-outstanding}): their frees will show as unpaired, and they are missing from
 *                           {@code !poolfind} and the ranking
 * @param truncated          true when the input ended early (a killed recording, a cut capture, an interrupted scan)
 */
public record Loss(long lostEvents, long unpairedFrees, long skippedRecords, long evictedOutstanding,
                   boolean truncated) {
    public static final Loss NONE = new Loss(0, 0, 0, 0, false);

    /** A loss with nothing evicted: the sources that keep no outstanding table (captures, procfs). */
    public Loss(long lostEvents, long unpairedFrees, long skippedRecords, boolean truncated) {
        this(lostEvents, unpairedFrees, skippedRecords, 0, truncated);
    }

    /**
     * True when nothing was lost: {@code equals(NONE)} without the record's generated {@code equals}, whose first
     * call builds method handles at run time (about 10 classes, 5-15 ms of a one-shot command's start-up;
     * docs/PERFORMANCE.md, start-up round 5).
     */
    public boolean none() {
        return lostEvents == 0 && unpairedFrees == 0 && skippedRecords == 0 && evictedOutstanding == 0 && !truncated;
    }

    public Loss plus(Loss o) {
        return new Loss(lostEvents + o.lostEvents, unpairedFrees + o.unpairedFrees,
                skippedRecords + o.skippedRecords, evictedOutstanding + o.evictedOutstanding,
                truncated || o.truncated);
    }
}
