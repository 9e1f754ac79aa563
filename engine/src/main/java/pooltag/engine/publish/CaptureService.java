package pooltag.engine.publish;

import pooltag.core.snapshot.UsageSnapshot;

/**
 * What the web page's Open view calls with an uploaded file: a Windows capture ({@code !poolused} output, a PoolMon
 * screen or snapshot file) or a pooltag recording, turned into a usage snapshot that the page shows in the same
 * {@code !poolused} table as the live kernel. Implementations throw {@link pooltag.core.error.PooltagException}
 * with a one-line message (file:line, what was expected) for input they cannot read.
 */
public interface CaptureService {
    /** @param fileName the uploaded file's name, for messages and format hints; content at most 64 MiB */
    UsageSnapshot open(String fileName, byte[] content);

    /**
     * As {@link #open}, with what reading a recording could not account for beyond the snapshot's {@code Loss}: why
     * it was cut short or damaged and how much was skipped, so the page shows what the CLI's {@code CUT SHORT
     * (reason)} or {@code DAMAGED (reason)} says.
     */
    default Opened openFile(String fileName, byte[] content) {
        return new Opened(open(fileName, content), null);
    }

    /** @param recording null for a Windows capture (its loss is all in the snapshot's {@code Loss}) */
    record Opened(UsageSnapshot snapshot, RecordingHealth recording) {
    }

    /**
     * A replayed recording's health, the fields of {@code pooltag report}'s: {@code cutShort} is null unless the
     * recording ended early, and then the reason; {@code damagedBlocks} counts blocks skipped as damaged and read
     * past, the first named by {@code firstDamage} (null when none). Complete: neither. {@code diskFull} is why the
     * recorder stopped early for a full disk (null when it did not), {@code diskFullPagesDropped} the pages it could
     * not keep then (their events are in {@code lostEvents}).
     */
    record RecordingHealth(String cutShort, long fileBytes, long skippedBytes, long skippedPages,
                           long malformedRecords, long unknownBlocks, long lostEvents, long outOfOrderEvents,
                           long forcedDrains, long damagedBlocks, String firstDamage, String diskFull,
                           long diskFullPagesDropped) {
        /**
         * A replay's health; {@code cutShort} and {@code firstDamage} are its reasons as they should be shown (a
         * file name may be replaced).
         */
        public static RecordingHealth of(pooltag.linux.recording.RecordingReader.Replay rp, String cutShort,
                                         String firstDamage) {
            return new RecordingHealth(cutShort, rp.fileBytes(), rp.skippedBytes(), rp.skippedPages(),
                    rp.malformedRecords(), rp.unknownBlocks(), rp.lostTotal(), rp.outOfOrder(), rp.forcedDrains(),
                    rp.damagedBlocks(), firstDamage, rp.diskFull(), rp.diskFullPagesDropped());
        }

        /** As {@link #of(pooltag.linux.recording.RecordingReader.Replay, String, String)} with the reader's words. */
        public static RecordingHealth of(pooltag.linux.recording.RecordingReader.Replay rp) {
            return of(rp, rp.cutShortReason(), rp.firstDamage());
        }

        public boolean complete() {
            return cutShort == null && damagedBlocks == 0;
        }
    }
}
