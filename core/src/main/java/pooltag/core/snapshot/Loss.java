package pooltag.core.snapshot;

/**
 * What a source or a ledger could not account for. Every report and every JSON output prints these; a zero is
 * printed as a zero, not left out.
 *
 * @param lostEvents      events the kernel dropped (ring-buffer overruns, page-header lost counts)
 * @param unpairedFrees   frees whose allocation was never seen (tracking began after it, or it was lost)
 * @param skippedRecords  input records not understood and skipped (with their count, never silently)
 * @param truncated       true when the input ended early (a killed recording, a cut capture, an interrupted scan)
 */
public record Loss(long lostEvents, long unpairedFrees, long skippedRecords, boolean truncated) {
    public static final Loss NONE = new Loss(0, 0, 0, false);

    public Loss plus(Loss o) {
        return new Loss(lostEvents + o.lostEvents, unpairedFrees + o.unpairedFrees,
                skippedRecords + o.skippedRecords, truncated || o.truncated);
    }
}
