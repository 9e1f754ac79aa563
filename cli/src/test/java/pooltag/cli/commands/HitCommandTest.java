package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HitCommandTest {
    @Test
    void aBadTagByIsTheFirstThingSaid() {
        // Before the tag is looked up (and before symbols load or tracing opens): the --tag-by line, not the tag's.
        CliRun r = CliRun.of("hit", "no_such_function_anywhere_xyz", "--tag-by", "pid");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--tag-by takes cgroup, cgroup,cache or cgroup,site, got 'pid'"), r.err());
    }

    @Test
    void theByCgroupTableCountsTheRowsItLeavesOut() {
        Map<String, long[]> by = new LinkedHashMap<>();
        for (int i = 1; i <= 12; i++) {
            by.put("/pods/p" + i, new long[] {i, 100L * i, 0});
        }
        StringWriter w = new StringWriter();
        HitCommand.printRows(new PrintWriter(w, true), "cgroup", by);
        var lines = w.toString().lines().toList();
        assertEquals(1 + 10 + 1, lines.size(), w.toString());
        assertTrue(lines.get(1).startsWith(" /pods/p12 "), lines.get(1));
        assertEquals(" ... 2 more (3 allocations, 300 bytes)", lines.get(11));
    }
}
