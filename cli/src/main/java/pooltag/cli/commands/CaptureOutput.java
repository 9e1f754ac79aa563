package pooltag.cli.commands;

import java.io.PrintWriter;


import pooltag.cli.render.Json;
import pooltag.core.snapshot.Loss;

/** What the Windows-capture commands share: the loss line every output ends with, and JSON writing. */
final class CaptureOutput {
    private CaptureOutput() {
    }

    /**
     * The loss line of a table: every counter, zeros included, so a reader never wonders whether something was
     * dropped.
     */
    static String lossLine(Loss loss) {
        return "loss: skipped " + loss.skippedRecords() + " unreadable lines, "
                + (loss.truncated() ? "truncated: yes (the capture is partial: rows elided or a scan interrupted)"
                : "truncated: no") + ", lost events " + loss.lostEvents() + ", unpaired frees " + loss.unpairedFrees();
    }

    /** The one loss schema of every JSON output ({@link Json#loss}). */
    static Object lossJson(Loss loss) {
        return Json.loss(loss);
    }

    static void printJson(PrintWriter out, Object tree) {
        Json.print(out, tree);
    }

    /** A JSON number for a double that may be NaN (unknown): null then, as JSON has no NaN. */
    static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
