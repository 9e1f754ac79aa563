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

    /**
     * A number field of a width no number has (a hostile or damaged FORMAT block: `size:0`) makes its event
     * unsupported with the reason; it used to be accepted and every kmalloc's address read as 0.
     */
    @Test
    void aNumberFieldOfNoNumbersWidthMakesItsEventUnsupported() {
        Map<String, String> f = Formats.formatTexts();
        f.put("kmem/kmalloc", f.get("kmem/kmalloc").replace("ptr;\toffset:16;\tsize:8;", "ptr;\toffset:16;\tsize:0;"));
        KmemDecoder d = new KmemDecoder(TraceSchema.parse(Formats.resource("header_page"), f, "t"), new NameTable());
        assertEquals("kmem/kmalloc/format at byte 0: field 'ptr' is 0 bytes; a number is 1, 2, 4 or 8",
                d.unsupported().get("kmem/kmalloc"));
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

    /**
     * {@link KmemDecoder#encode} writes what {@code decode} reads, at this kernel's offsets: a kmem_cache_alloc of
     * 192 bytes (184 asked) from call site 0xffffffff81234567 at 0xffff888012345600 into "dentry", by pid 4242, with
     * GFP_KERNEL_ACCOUNT, checked field by field in the bytes (offsets from the format file) and decoded back; then
     * the other three kinds through decode.
     */
    @Test
    void encodeWritesWhatDecodeReadsAtTheFormatsOffsets() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] b = new byte[128];
        byte[] dentry = "dentry".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int len = d.encode(b, 0, b.length, KmemDecoder.KIND_CACHE_ALLOC, 4242, 0xffffffff81234567L,
                0xffff888012345600L, 184, 192, 0x400cc0, dentry);
        assertEquals(68, len, "61 bytes of fixed fields (accounted ends at 61) + \"dentry\\0\", padded to 4");
        assertEquals(659, pooltag.linux.ring.Le.u16(b, 0), "common_type: kmem_cache_alloc's id");
        assertEquals(4242, pooltag.linux.ring.Le.i32(b, 4), "common_pid");
        assertEquals(0xffffffff81234567L, pooltag.linux.ring.Le.i64(b, 8), "call_site at 8");
        assertEquals(0xffff888012345600L, pooltag.linux.ring.Le.i64(b, 16), "ptr at 16");
        assertEquals(7L << 16 | 61, pooltag.linux.ring.Le.u32(b, 24), "name: __data_loc, 7 bytes at 61");
        assertEquals(184, pooltag.linux.ring.Le.i64(b, 32), "bytes_req at 32");
        assertEquals(192, pooltag.linux.ring.Le.i64(b, 40), "bytes_alloc at 40");
        assertEquals(0x400cc0, pooltag.linux.ring.Le.i64(b, 48), "gfp_flags at 48");
        assertEquals("dentry\0", new String(b, 61, 7, java.nio.charset.StandardCharsets.US_ASCII));
        EventView v = new EventView();
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, len, 5, 1, v));
        assertEquals(pooltag.core.event.AllocEvent.ALLOC, v.type());
        assertEquals(0xffffffff81234567L, v.callSite());
        assertEquals(0xffff888012345600L, v.address());
        assertEquals(184, v.bytesRequested());
        assertEquals(192, v.bytesAllocated());
        assertEquals(0x400cc0, v.gfpFlags());
        assertEquals("dentry", d.names().name(v.cacheId()));

        len = d.encode(b, 0, b.length, KmemDecoder.KIND_KMALLOC, 7, 0xffffffff81000010L, 0xffff888000000040L, 60, 64,
                0xcc0, null);
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, len, 6, 0, v));
        assertEquals(pooltag.core.event.AllocEvent.SOURCE_KMALLOC, v.source());
        assertEquals(0xffff888000000040L, v.address());
        assertEquals(60, v.bytesRequested());
        assertEquals(64, v.bytesAllocated());
        len = d.encode(b, 0, b.length, KmemDecoder.KIND_KFREE, 7, 0xffffffff81000020L, 0xffff888000000040L, 0, 0, 0,
                null);
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, len, 7, 0, v));
        assertEquals(pooltag.core.event.AllocEvent.FREE, v.type());
        assertEquals(0xffff888000000040L, v.address());
        len = d.encode(b, 0, b.length, KmemDecoder.KIND_CACHE_FREE, 7, 0xffffffff81000030L, 0xffff888012345600L, 0, 0,
                0, dentry);
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, len, 8, 0, v));
        assertEquals(pooltag.core.event.AllocEvent.SOURCE_KMEM_CACHE, v.source());
        assertEquals("dentry", d.names().name(v.cacheId()));
    }

    /**
     * The four kmem events leave their other fields in the page until asked: a kmem_cache_free whose consumer reads
     * only the address interns no name; asked afterwards (during the event), every field is what an eager decode gave,
     * the fields a free lacks read 0 (accounted: from the GFP flags, 0), and a second record in the same view is
     * answered from its own bytes. A bad name location is still refused at decode, not when asked.
     */
    @Test
    void kmemFieldsAreReadWhenAskedAndAreTheRecordsOwn() {
        NameTable names = new NameTable();
        KmemDecoder d = new KmemDecoder(Formats.schema(), names);
        byte[] b = new byte[256];
        byte[] filp = "filp".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int len = d.encode(b, 0, 128, KmemDecoder.KIND_CACHE_FREE, 77, 0xffffffff81000030L, 0xffff888012345600L, 0, 0,
                0, filp);
        EventView v = new EventView();
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, len, 9, 1, v));
        assertEquals(0xffff888012345600L, v.address());
        assertEquals(77, v.pid());
        assertEquals(0, names.size(), "nothing interned while only the address was read");
        assertEquals(0xffffffff81000030L, v.callSite());
        assertEquals(0, v.bytesRequested());
        assertEquals(0, v.bytesAllocated());
        assertEquals(0, v.gfpFlags());
        assertEquals(false, v.accounted());
        assertEquals("filp", names.name(v.cacheId()));
        assertEquals(1, names.size());

        int len2 = d.encode(b, 128, 128, KmemDecoder.KIND_KMALLOC, 78, 0xffffffff81000040L, 0xffff888000000080L, 100,
                128, 0x400cc0, null);
        assertEquals(KmemDecoder.DECODED, d.decode(b, 128, len2, 10, 0, v));
        assertEquals(0xffffffff81000040L, v.callSite());
        assertEquals(100, v.bytesRequested());
        assertEquals(128, v.bytesAllocated());
        assertEquals(0x400cc0, v.gfpFlags());
        assertEquals(true, v.accounted(), "__GFP_ACCOUNT (0x400000) in the flags: kmalloc has no accounted field");
        assertEquals(-1, v.cacheId(), "kmalloc carries no cache name");

        pooltag.linux.ring.Le.putI32(b, 24, 200 << 16 | 40); // filp's name now runs 200 bytes past its record
        assertEquals(KmemDecoder.MALFORMED, d.decode(b, 0, len, 11, 1, v));
    }

    /**
     * percpu/percpu_alloc_percpu (id 645) and percpu_free_percpu (id 644) as this kernel writes them (offsets from the
     * format files in test resources): a 48-byte area (40 asked) for call site 0xffffffff81555000 at percpu address
     * 0x3a8c0 (offset 0x8c0 in its chunk) with GFP_KERNEL_ACCOUNT, by pid 4242 in irq context, then its free, which
     * has no call site, sizes or flags. Decoded lazily as the kmem events are: every accessor answers what the record
     * holds.
     */
    @Test
    void aPercpuAllocationAndItsFreeDecodeFieldByField() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] b = new byte[80];
        le16(b, 0, 645);                  // common_type: percpu_alloc_percpu
        b[2] = 0x08;                      // common_flags: TRACE_FLAG_HARDIRQ
        le32(b, 4, 4242);                 // common_pid
        le64(b, 8, 0xffffffff81555000L);  // call_site, u64 at 8
        b[16] = 0;                        // reserved
        b[17] = 1;                        // is_atomic
        le64(b, 24, 40);                  // size (asked), at 24
        le64(b, 32, 8);                   // align, at 32
        le64(b, 40, 0xffff888003a00000L); // base_addr, at 40
        le32(b, 48, 0x8c0);               // off: in its chunk, at 48
        le64(b, 56, 0x3a8c0L);            // ptr (a __seg_gs address, unlike off: reading off fails), at 56
        le64(b, 64, 48);                  // bytes_alloc, at 64
        le64(b, 72, 0x400cc0L);           // gfp_flags: GFP_KERNEL_ACCOUNT, at 72
        EventView v = new EventView();
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, 80, 5, 1, v));
        assertEquals(KmemDecoder.KIND_PERCPU_ALLOC, v.kind());
        assertEquals(pooltag.core.event.AllocEvent.ALLOC, v.type());
        assertEquals(pooltag.core.event.AllocEvent.SOURCE_PERCPU, v.source());
        assertEquals(4242, v.pid());
        assertEquals(0x3a8c0L, v.address());
        assertEquals(0xffffffff81555000L, v.callSite());
        assertEquals(40, v.bytesRequested());
        assertEquals(48, v.bytesAllocated());
        assertEquals(0x400cc0L, v.gfpFlags());
        assertEquals(0x08, v.contextFlags());
        assertEquals(true, v.accounted(), "__GFP_ACCOUNT in the flags; percpu_alloc_percpu has no accounted field");
        assertEquals(-1, v.cacheId());
        assertEquals(KmemDecoder.MALFORMED, d.decode(b, 0, 76, 5, 1, v), "cut inside gfp_flags");

        byte[] f = new byte[32];
        le16(f, 0, 644);                  // common_type: percpu_free_percpu
        le32(f, 4, 4243);                 // common_pid
        le64(f, 8, 0xffff888003a00000L);  // base_addr, at 8
        le32(f, 16, 0x8c0);               // off, at 16
        le64(f, 24, 0x3a8c0L);            // ptr, at 24
        assertEquals(KmemDecoder.DECODED, d.decode(f, 0, 32, 6, 0, v));
        assertEquals(pooltag.core.event.AllocEvent.FREE, v.type());
        assertEquals(pooltag.core.event.AllocEvent.SOURCE_PERCPU, v.source());
        assertEquals(0x3a8c0L, v.address());
        assertEquals(0, v.callSite(), "the free's format has no call_site");
        assertEquals(0, v.bytesRequested());
        assertEquals(0, v.bytesAllocated());
        assertEquals(0, v.gfpFlags());
        assertEquals(0, v.contextFlags());
        assertEquals(false, v.accounted());
    }

    /** A stack as a stacktrace trigger writes it: decode gives the frames back, innermost first. */
    @Test
    void encodeStackWritesWhatDecodeReads() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] b = new byte[256];
        long[] frames = {0xffffffff81000100L, 0xffffffff81000200L, 0xffffffff81000300L};
        int len = d.encodeStack(b, 0, b.length, 99, frames, 3);
        assertEquals(16 + 3 * 8, len, "size at 8, frames from 16 (the format's caller[])");
        EventView v = new EventView();
        assertEquals(KmemDecoder.DECODED, d.decode(b, 0, len, 1, 0, v));
        assertEquals(pooltag.core.event.AllocEvent.STACK, v.type());
        assertEquals(3, v.stackDepth());
        for (int i = 0; i < 3; i++) {
            assertEquals(frames[i], v.stackFrame(i));
        }
    }

    /** No room, a kind that is not one of the four, a kind the schema lacks: -1, nothing decoded from it. */
    @Test
    void encodeRefusesWhatItCannotWrite() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] b = new byte[128];
        assertEquals(-1, d.encode(b, 0, 40, KmemDecoder.KIND_KMALLOC, 1, 1, 1, 1, 1, 0, null), "52 bytes needed");
        assertEquals(-1, d.encode(b, 0, b.length, KmemDecoder.KIND_PAGE_ALLOC, 1, 1, 1, 1, 1, 0, null));
        Map<String, String> f = Formats.formatTexts();
        f.remove("kmem/kfree");
        KmemDecoder without = new KmemDecoder(TraceSchema.parse(Formats.resource("header_page"), f, "t"),
                new NameTable());
        assertEquals(-1, without.encode(b, 0, b.length, KmemDecoder.KIND_KFREE, 1, 1, 1, 0, 0, 0, null));
        assertEquals(-1, d.encodeStack(b, 0, 20, 1, new long[] {1, 2, 3}, 3), "40 bytes needed");
    }
}
