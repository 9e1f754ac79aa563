package pooltag.core.snapshot;

import java.util.List;

/**
 * Per-tag usage at one moment, whatever made it (procfs, the ledger, a Windows capture, a recording). Immutable.
 *
 * @param takenAtNanos  when it was taken, in nanoseconds on the source's clock (CLOCK_MONOTONIC for live
 *                      Linux data; 0 when the source has no time, as a captured {@code !poolused})
 * @param source        where it came from, for reports ({@code /proc/slabinfo}, a file name)
 * @param rows          one row per (tag, pool)
 * @param loss          what the source could not account for; never silently dropped
 */
public record UsageSnapshot(long takenAtNanos, String source, List<TagUsage> rows, Loss loss) {
    public UsageSnapshot {
        rows = List.copyOf(rows);
        if (loss == null) {
            loss = Loss.NONE;
        }
    }
}
