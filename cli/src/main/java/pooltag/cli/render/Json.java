package pooltag.cli.render;

import java.io.PrintWriter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.core.snapshot.Loss;

/** The one JSON writer of every view: pretty-printed, fields in the order they were put. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static void print(PrintWriter out, Object node) {
        try {
            out.println(MAPPER.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON rendering failed", e);
        }
        out.flush();
    }

    /**
     * A replayed recording's health into {@code n}, the same fields wherever a recording is read ({@code hunt --from},
     * {@code find --from}, the web page's Open view): complete or cut short and why, then every count a replay keeps.
     * {@code events} and {@code pages} are left out when negative (a view that did not count them).
     */
    public static ObjectNode recordingHealth(ObjectNode n, pooltag.engine.publish.CaptureService.RecordingHealth h,
                                             long events, long pages) {
        n.put("complete", h.complete());
        if (h.cutShort() == null) {
            n.putNull("cut_short");
        } else {
            n.put("cut_short", h.cutShort());
        }
        n.put("damaged_blocks", h.damagedBlocks()); // skipped as damaged, read past (their bytes in skipped_bytes)
        if (h.firstDamage() == null) {
            n.putNull("first_damage");
        } else {
            n.put("first_damage", h.firstDamage());
        }
        if (events >= 0) {
            n.put("events", events);
        }
        if (pages >= 0) {
            n.put("pages", pages);
        }
        n.put("file_bytes", h.fileBytes());
        n.put("lost_events", h.lostEvents());
        n.put("skipped_bytes", h.skippedBytes());
        n.put("skipped_pages", h.skippedPages());
        n.put("malformed_records", h.malformedRecords());
        n.put("unknown_blocks", h.unknownBlocks());
        n.put("out_of_order_events", h.outOfOrderEvents());
        n.put("forced_drains", h.forcedDrains());
        // the recorder stopped early because its disk was full: why, and the pages it could not keep (their events
        // are in lost_events)
        if (h.diskFull() == null) {
            n.putNull("disk_full");
        } else {
            n.put("disk_full", h.diskFull());
        }
        n.put("disk_full_pages_dropped", h.diskFullPagesDropped());
        return n;
    }

    /** Every JSON output carries its loss counters, zeros included. */
    public static ObjectNode loss(Loss loss) {
        ObjectNode n = object();
        n.put("lost_events", loss.lostEvents());
        n.put("unpaired_frees", loss.unpairedFrees());
        n.put("skipped_records", loss.skippedRecords());
        n.put("evicted_outstanding", loss.evictedOutstanding());
        n.put("truncated", loss.truncated());
        return n;
    }
}
