package pooltag.cli.render;

import pooltag.core.snapshot.Loss;

/** The one-line loss summary every text report ends with. */
public final class LossLine {
    private LossLine() {
    }

    public static String of(Loss loss) {
        return String.format(" Loss: %d lost events, %d unpaired frees, %d skipped records, %d evicted outstanding%s",
                loss.lostEvents(), loss.unpairedFrees(), loss.skippedRecords(), loss.evictedOutstanding(),
                loss.truncated() ? ", input cut short" : "");
    }
}
