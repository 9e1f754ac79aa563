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
