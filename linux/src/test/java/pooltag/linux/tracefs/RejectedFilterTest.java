package pooltag.linux.tracefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.error.PooltagException;
import pooltag.linux.testutil.Formats;

/**
 * Linux 6.1 rejects a trigger whose filter names a field its event lacks with EINVAL and nothing in error_log (seen
 * live: {@code hit inode_cache} on Debian 12's 6.1.176, whose kmem_cache_alloc has no {@code name}). The error then
 * says which field is missing and what the event has, from the event's format file. A fake tracefs whose trigger
 * file is a directory stands for the refusing kernel; the format is the real 6.1 one
 * ({@code formats/linux-6.1/}, captured by bench/oldkernel.sh).
 */
class RejectedFilterTest {
    private static TracefsInstance refusingInstance(Path root, String event, String format) throws Exception {
        Files.createDirectories(root.resolve("instances"));
        TracefsInstance in = TracefsInstance.create(Tracefs.at(root), Tracefs.INSTANCE_PREFIX + "reject-test");
        Path d = Files.createDirectories(in.dir().resolve("events").resolve(event));
        Files.writeString(d.resolve("enable"), "");
        Files.writeString(d.resolve("filter"), "");
        Files.createDirectories(d.resolve("trigger")); // a write to it fails: the kernel's EINVAL
        Files.writeString(d.resolve("format"), format);
        return in;
    }

    @Test
    void aTriggerOnAFieldTheEventLacksSaysWhichAndWhatItHas(@TempDir Path tmp) throws Exception {
        TracefsInstance in = refusingInstance(tmp.resolve("tracing"), "kmem/kmem_cache_alloc",
                Formats.resource("linux-6.1/kmem_cache_alloc"));
        PooltagException e = assertThrows(PooltagException.class,
                () -> in.addStackTrigger("kmem/kmem_cache_alloc", "name == \"inode_cache\""));
        assertTrue(e.getMessage().startsWith("the kernel rejected trigger 'stacktrace if name == \"inode_cache\"' on"
                + " kmem/kmem_cache_alloc: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; kmem/kmem_cache_alloc has no field name on this kernel (its fields:"
                + " call_site ptr bytes_req bytes_alloc gfp_flags node accounted)"), e.getMessage());
    }

    /** Fields the event has, a quoted string that looks like a field, and a range filter add nothing to the error. */
    @Test
    void aRejectionOfFieldsTheEventHasAddsNothing(@TempDir Path tmp) throws Exception {
        TracefsInstance in = refusingInstance(tmp.resolve("tracing"), "kmem/kmem_cache_alloc",
                Formats.resource("linux-6.1/kmem_cache_alloc"));
        PooltagException e = assertThrows(PooltagException.class, () -> in.addStackTrigger("kmem/kmem_cache_alloc",
                "(call_site >= 0xffffffff81234500 && call_site < 0xffffffff81234600) || bytes_req == 632"));
        assertTrue(e.getMessage().endsWith("(error_log empty)"), e.getMessage());
        PooltagException quoted = assertThrows(PooltagException.class,
                () -> in.addStackTrigger("kmem/kmem_cache_alloc", "ptr == \"name == x\""));
        assertEquals(false, quoted.getMessage().contains("has no field"), quoted.getMessage());
    }
}
