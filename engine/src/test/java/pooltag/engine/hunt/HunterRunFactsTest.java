package pooltag.engine.hunt;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
