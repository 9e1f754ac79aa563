package pooltag.cli.commands;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import pooltag.core.snapshot.Loss;

/** What the Windows-capture commands share: the loss line every output ends with, and JSON writing. */
final class CaptureOutput {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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

    static Map<String, Object> lossJson(Loss loss) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("skipped_records", loss.skippedRecords());
        m.put("truncated", loss.truncated());
        m.put("lost_events", loss.lostEvents());
        m.put("unpaired_frees", loss.unpairedFrees());
        return m;
    }

    static void printJson(PrintWriter out, Object tree) {
        try {
            out.println(JSON.writeValueAsString(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON of plain maps and lists cannot fail", e);
        }
        out.flush();
    }

    /** A JSON number for a double that may be NaN (unknown): null then, as JSON has no NaN. */
    static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
