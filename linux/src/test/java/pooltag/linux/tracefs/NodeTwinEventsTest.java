package pooltag.linux.tracefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.error.PooltagException;

/**
 * Before Linux 6.1 an allocation for a NUMA node fires {@code kmalloc_node} / {@code kmem_cache_alloc_node} instead of
 * the plain event: whatever is done to an allocation event must be done to its twin where the kernel has it, and
 * undone with it. A fake tracefs (plain files) records what was written where.
 */
class NodeTwinEventsTest {
    private static final String[] FILES = {"enable", "filter", "trigger"};

    private static TracefsInstance instance(Path root, String... events) throws Exception {
        Files.createDirectories(root.resolve("instances"));
        TracefsInstance in = TracefsInstance.create(Tracefs.at(root), Tracefs.INSTANCE_PREFIX + "twin-test");
        for (String e : events) {
            Path d = Files.createDirectories(in.dir().resolve("events").resolve(e));
            for (String f : FILES) {
                Files.writeString(d.resolve(f), "");
            }
        }
        return in;
    }

    /** The last value written: the fake's files are overwritten in place, not truncated, so its first line. */
    private static String file(TracefsInstance in, String event, String file) throws Exception {
        List<String> lines = Files.readAllLines(in.dir().resolve("events").resolve(event).resolve(file));
        return lines.isEmpty() ? "" : lines.get(0);
    }

    @Test
    void anOlderKernelsTwinIsEnabledFilteredTriggeredAndUndoneWithItsEvent(@TempDir Path tmp) throws Exception {
        TracefsInstance in = instance(tmp.resolve("tracing"), "kmem/kmalloc", "kmem/kmalloc_node",
                "kmem/kmem_cache_alloc", "kmem/kmem_cache_alloc_node", "kmem/kfree");
        assertEquals("kmem/kmalloc_node", in.presentTwinOf("kmem/kmalloc"));
        assertNull(in.presentTwinOf("kmem/kfree"));

        in.enableEvent("kmem/kmem_cache_alloc");
        in.enableEvent("kmem/kfree");
        assertEquals("1", file(in, "kmem/kmem_cache_alloc", "enable"));
        assertEquals("1", file(in, "kmem/kmem_cache_alloc_node", "enable"));
        assertEquals("", file(in, "kmem/kmalloc_node", "enable"), "kfree has no twin; kmalloc was not enabled");

        in.setFilter("kmem/kmalloc", "bytes_req > 4096");
        assertEquals("bytes_req > 4096", file(in, "kmem/kmalloc", "filter"));
        assertEquals("bytes_req > 4096", file(in, "kmem/kmalloc_node", "filter"));

        in.addStackTrigger("kmem/kmem_cache_alloc", "call_site == 0xffffffff81234567");
        String cmd = "stacktrace if call_site == 0xffffffff81234567";
        assertEquals(cmd, file(in, "kmem/kmem_cache_alloc_node", "trigger"));
        assertEquals(Map.of("kmem/kmem_cache_alloc", List.of(cmd), "kmem/kmem_cache_alloc_node", List.of(cmd)),
                in.triggers());
        in.removeStackTrigger("kmem/kmem_cache_alloc", "call_site == 0xffffffff81234567");
        assertEquals("!" + cmd, file(in, "kmem/kmem_cache_alloc", "trigger"));
        assertEquals("!" + cmd, file(in, "kmem/kmem_cache_alloc_node", "trigger"));
        assertEquals(Map.of(), in.triggers());

        // the teardown undoes the twin's trigger, filter and enable as its event's (rmdir of the fake, a plain
        // directory with files, then fails, and says so)
        in.addStackTrigger("kmem/kmalloc", null);
        assertThrows(PooltagException.class, in::close);
        assertEquals("!stacktrace", file(in, "kmem/kmalloc_node", "trigger"));
        assertEquals("0", file(in, "kmem/kmalloc_node", "filter"));
        assertEquals("0", file(in, "kmem/kmem_cache_alloc_node", "enable"));
        assertEquals("0", file(in, "kmem/kfree", "enable"));
    }

    @Test
    void aKernelWithoutTwinsIsWrittenOnlyWhereAsked(@TempDir Path tmp) throws Exception {
        TracefsInstance in = instance(tmp.resolve("tracing"), "kmem/kmalloc", "kmem/kmem_cache_alloc");
        assertNull(in.presentTwinOf("kmem/kmalloc"));
        in.enableEvent("kmem/kmalloc");
        in.addStackTrigger("kmem/kmalloc", null);
        assertEquals(Map.of("kmem/kmalloc", List.of("stacktrace")), in.triggers());
        assertEquals("1", file(in, "kmem/kmalloc", "enable"));
    }
}
