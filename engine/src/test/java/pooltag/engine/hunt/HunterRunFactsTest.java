package pooltag.engine.hunt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A recording's RUN facts are a file's text: the tracer's task id is taken only when it is a plain task id. */
class HunterRunFactsTest {
    @Test
    void theTracerTaskIsAPlainNonNegativeIntOrNone() {
        assertEquals(31810, Hunter.taskId("31810"));
        assertEquals(17, Hunter.taskId(" 17\n")); // the RUN block's line, as read
        assertEquals(0, Hunter.taskId("0"));
        assertEquals(Integer.MAX_VALUE, Hunter.taskId("2147483647"));
        assertEquals(-1, Hunter.taskId("")); // a recording made before the fact existed
        assertEquals(-1, Hunter.taskId("-5"));
        assertEquals(-1, Hunter.taskId("2147483648")); // past int
        assertEquals(-1, Hunter.taskId("99999999999999999999999")); // past long: no exception either
        assertEquals(-1, Hunter.taskId("12a"));
        assertEquals(-1, Hunter.taskId("+12"));
        assertEquals(-1, Hunter.taskId("١٢")); // digits of another script are no task id
    }

    /**
     * The armed and held-back sites go into a RUN fact as {@code site@value} items and come back in order; a site name
     * may itself hold {@code @} (the last one splits); items without a site, from a damaged file, are skipped.
     */
    @Test
    void siteFactsComeBackAsWritten() {
        Map<String, Object> written = new LinkedHashMap<>();
        written.put("newary", 0.5);
        written.put("mas_new_ma_node.isra.0", 12L);
        written.put("odd@name", 3L);
        String fact = Hunter.siteFact(written);
        assertEquals("newary@0.5,mas_new_ma_node.isra.0@12,odd@name@3", fact);
        Map<String, String> read = Hunter.siteFact(fact);
        assertEquals(List.of("newary", "mas_new_ma_node.isra.0", "odd@name"), List.copyOf(read.keySet()));
        assertEquals(List.of("0.5", "12", "3"), List.copyOf(read.values()));
        assertEquals(Map.of(), Hunter.siteFact("")); // a recording made before the fact existed
        assertEquals(List.of("b"), List.copyOf(Hunter.siteFact("@1,nosite,b@2").keySet()));
    }
}
