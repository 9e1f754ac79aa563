package pooltag.linux.tracefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TracefsTest {
    @Test
    void tracefsMountWinsOverDebugfs() {
        String mounts = "sysfs /sys sysfs rw 0 0\ndebugfs /sys/kernel/debug debugfs rw 0 0\n"
                + "nodev /sys/kernel/tracing tracefs rw,relatime 0 0\n";
        assertEquals(Path.of("/sys/kernel/tracing"), Tracefs.findMounted(mounts));
    }

    @Test
    void noTracefsNoDebugfsTracingMeansNotMounted() {
        assertNull(Tracefs.findMounted("proc /proc proc rw 0 0\n"));
    }

    @Test
    void staleInstancesAreOursWithDeadPidsOnly(@TempDir Path root) throws Exception {
        Path inst = Files.createDirectories(root.resolve("instances"));
        Files.createDirectory(inst.resolve("pooltag-999999999"));            // dead pid: stale
        Files.createDirectory(inst.resolve("pooltag-" + ProcessHandle.current().pid())); // ourselves
        Files.createDirectory(inst.resolve("pooltag-1"));                    // init: alive
        Files.createDirectory(inst.resolve("pooltag-notapid"));              // not our naming: untouched
        Files.createDirectory(inst.resolve("trace-cmd"));                    // another tool: untouched
        Tracefs fs = Tracefs.at(root);
        assertEquals(java.util.List.of("pooltag-999999999"), fs.staleInstances());
    }

    @Test
    void statsParseCountsAndIgnoresTimestamps() {
        CpuStats s = CpuStats.parseText("entries: 7\noverrun: 2\ncommit overrun: 1\nbytes: 900\n"
                + "oldest event ts:  123.456\nnow ts:  125.000\ndropped events: 40\nread events: 99\n");
        assertEquals(new CpuStats(7, 2, 1, 40, 99), s);
        assertEquals(43, s.lost());
    }
}
