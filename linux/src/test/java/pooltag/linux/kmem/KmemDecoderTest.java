package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.linux.ring.TraceSchema;
import pooltag.linux.testutil.Formats;

class KmemDecoderTest {
    @Test
    void anEventMissingAFieldIsUnsupportedWithoutBreakingTheOthers() {
        Map<String, String> f = Formats.formatTexts();
        f.put("kmem/kmalloc", f.get("kmem/kmalloc").replace("bytes_alloc", "bytes_alloc_renamed"));
        TraceSchema schema = TraceSchema.parse(Formats.resource("header_page"), f, "t");
        KmemDecoder d = new KmemDecoder(schema, new NameTable());
        assertTrue(d.unsupported().get("kmem/kmalloc").contains("no field 'bytes_alloc'"),
                d.unsupported().toString());
        assertEquals(KmemDecoder.KIND_NONE, d.kindOf(658));
        assertEquals(KmemDecoder.KIND_KFREE, d.kindOf(657));
    }

    @Test
    void recordShorterThanItsFormatIsMalformedNotAnException() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] b = new byte[16];
        b[0] = (byte) 0x92; // 658 = kmalloc, but only 16 bytes of its 52
        b[1] = 0x02;
        assertEquals(KmemDecoder.MALFORMED, d.decode(b, 0, 16, 0, 0, new EventView()));
        b[0] = 0x01;
        b[1] = 0x00; // id 1: not a kmem event
        assertEquals(KmemDecoder.OTHER_EVENT, d.decode(b, 0, 16, 0, 0, new EventView()));
    }

    /**
     * task/task_newtask as this kernel writes it (id 205; format in test resources): a fork by pid 4242 of task 4243,
     * clone flags 0x01200011 (SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID), then the same with
     * CLONE_INTO_CGROUP (bit 33), which only the 64-bit field can carry.
     */
    @Test
    void aTaskBirthDecodesItsNewTaskAndCloneFlags() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] b = new byte[44];
        le16(b, 0, 205);            // common_type
        b[2] = 0;                   // common_flags: process context
        le32(b, 4, 4242);           // common_pid: the creator
        le32(b, 8, 4243);           // pid: the new task
        byte[] comm = "bash".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(comm, 0, b, 12, comm.length); // comm[16] at 12
        le64(b, 32, 0x01200011L);   // clone_flags, u64 at 32
        le16(b, 40, 0);             // oom_score_adj at 40
        EventView v = new EventView();
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, b.length, 77, 1, v));
        assertEquals(pooltag.core.event.AllocEvent.NEW_TASK, v.type());
        assertEquals(KmemDecoder.KIND_NEW_TASK, v.kind());
        assertEquals(4242, v.pid());
        assertEquals(4243, v.taskPid());
        assertEquals(0x01200011L, v.cloneFlags());
        assertEquals(0, v.address());
        assertEquals(-1, v.hierarchyId());
        le64(b, 32, 0x200000000L | 0x11L);
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, b.length, 78, 1, v));
        assertEquals(0x200000011L, v.cloneFlags());
        assertEquals(KmemDecoder.MALFORMED, d.decode(b, 0, 36, 79, 1, v), "cut inside clone_flags");
        assertEquals("task_newtask", KmemDecoder.kindName(KmemDecoder.KIND_NEW_TASK));
    }

    /**
     * cgroup/cgroup_attach_task (id 538): task 4243 moved by 4242 into /pods/web of hierarchy 4 (dst_root), with its
     * two __data_loc strings after the fixed part; a path pointing past the record is malformed.
     */
    @Test
    void aTaskMoveDecodesTheTaskTheHierarchyAndThePath() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] path = "/pods/web\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] comm = "sh\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] b = new byte[36 + path.length + comm.length];
        le16(b, 0, 538);            // common_type
        le32(b, 4, 4242);           // common_pid: the mover
        le32(b, 8, 4);              // dst_root: the hierarchy id
        le32(b, 12, 2);             // dst_level
        le64(b, 16, 77);            // dst_id
        le32(b, 24, 4243);          // pid: the moved task
        le32(b, 28, 36 | path.length << 16);               // dst_path: __data_loc, offset 36, length with the NUL
        le32(b, 32, (36 + path.length) | comm.length << 16); // comm
        System.arraycopy(path, 0, b, 36, path.length);
        System.arraycopy(comm, 0, b, 36 + path.length, comm.length);
        EventView v = new EventView();
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, b.length, 90, 0, v));
        assertEquals(pooltag.core.event.AllocEvent.TASK_MOVE, v.type());
        assertEquals(4243, v.taskPid());
        assertEquals(4, v.hierarchyId());
        assertEquals("/pods/web", v.cgroupPath());
        assertEquals(0, v.cloneFlags());
        assertEquals(KmemDecoder.KIND_TASK_MOVE, d.classify(b, 0, b.length));
        le32(b, 28, 36 | 200 << 16); // a path longer than the record
        assertEquals(KmemDecoder.MALFORMED, d.decode(b, 0, b.length, 91, 0, v));
        assertEquals(KmemDecoder.MALFORMED, d.classify(b, 0, b.length));
    }

    private static void le16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void le32(byte[] b, int at, int v) {
        le16(b, at, v);
        le16(b, at + 2, v >>> 16);
    }

    private static void le64(byte[] b, int at, long v) {
        le32(b, at, (int) v);
        le32(b, at + 4, (int) (v >>> 32));
    }
}
