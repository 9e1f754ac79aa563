package pooltag.cli.commands;

import java.nio.file.Path;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.cli.render.Json;
import pooltag.linux.recording.RecordingReader;

/**
 * What an offline door ({@code hunt --from}, {@code find --from}) says about the recording it read, so its loss is
 * never silent: complete or cut short, and every count a replay keeps (the same fields as {@code report}'s health).
 */
final class RecordingHealth {
    private RecordingHealth() {
    }

    /** Complete (not cut short, no damaged block), and no page skipped. */
    static boolean sound(RecordingReader.Replay rp) {
        return rp.complete() && rp.skippedPages() == 0;
    }

    static String line(Path file, RecordingReader.Replay rp) {
        return String.format(Locale.ROOT, "recording %s: %s; %d events in %d pages, lost events %d, skipped bytes %d,"
                        + " skipped pages %d, damaged blocks %d, malformed records %d, unknown blocks %d,"
                        + " out-of-order events %d%s%s",
                file, rp.stateLine(), rp.totalEvents(), rp.pages(), rp.lostTotal(), rp.skippedBytes(),
                rp.skippedPages(), rp.damagedBlocks(), rp.malformedRecords(), rp.unknownBlocks(), rp.outOfOrder(),
                rp.forcedDrains() == 0 ? "" : ", forced drains " + rp.forcedDrains(), diskFull(rp));
    }

    /**
     * "; stopped early, disk full (CAUSE): N pages dropped, their events among the lost" for a recording whose
     * recorder met a full disk, else "": the words of report's health line and of every door's.
     */
    static String diskFull(RecordingReader.Replay rp) {
        return rp.diskFull() == null ? "" : "; stopped early, disk full (" + rp.diskFull() + "): "
                + rp.diskFullPagesDropped() + " pages dropped, their events among the lost";
    }

    static ObjectNode json(Path file, RecordingReader.Replay rp) {
        ObjectNode n = Json.object();
        n.put("file", file.toString());
        return Json.recordingHealth(n, pooltag.engine.publish.CaptureService.RecordingHealth.of(rp),
                rp.totalEvents(), rp.pages());
    }
}
