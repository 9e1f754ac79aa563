package pooltag.linux.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.linux.kmem.EventView;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.testutil.Formats;
import pooltag.linux.testutil.PageBuilder;

/**
 * Golden bytes for every record kind, field by field next to the format text captured from the test machine
 * (src/test/resources/formats). Page header per {@code events/header_page}:
 * <pre>
 *   field: u64 timestamp;   offset:0;  size:8;    signed:0;
 *   field: local_t commit;  offset:8;  size:8;    signed:1;
 *   field: char data;       offset:16; size:4080; signed:0;
 * </pre>
 */
class GoldenPageTest {
    private static final HexFormat HEX = HexFormat.of();
    private final TraceSchema schema = Formats.schema();
    private final KmemDecoder decoder = new KmemDecoder(schema, new NameTable());
    private final PageCursor cursor = new PageCursor(schema.header(), "golden");

    /*
     * name: kmalloc   ID: 658
     *   field:unsigned short common_type;  offset:0;  size:2;  -> 92 02             = 658
     *   field:unsigned char common_flags;  offset:2;  size:1;  -> 01
     *   field:unsigned char common_preempt_count; offset:3; size:1; -> 00
     *   field:int common_pid;              offset:4;  size:4;  -> 39 30 00 00       = 12345
     *   field:unsigned long call_site;     offset:8;  size:8;  -> 1d 54 6e 81 ff ff ff ff = 0xffffffff816e541d
     *   field:const void * ptr;            offset:16; size:8;  -> 00 56 34 12 80 88 ff ff = 0xffff888012345600
     *   field:size_t bytes_req;            offset:24; size:8;  -> b0 00 .. = 176
     *   field:size_t bytes_alloc;          offset:32; size:8;  -> c0 00 .. = 192
     *   field:unsigned long gfp_flags;     offset:40; size:8;  -> c0 0c 40 00 .. = 0x400cc0 (GFP_KERNEL_ACCOUNT)
     *   field:int node;                    offset:48; size:4;  -> ff ff ff ff = -1
     * 52 payload bytes -> type_len 13 (13 * 4), delta 100: header word (100 << 5) | 13 = 0x00000c8d
     */
    static final String KMALLOC_RECORD = "8d0c0000"
            + "9202" + "01" + "00" + "39300000"
            + "1d546e81ffffffff"
            + "0056341280 88ffff".replace(" ", "")
            + "b000000000000000"
            + "c000000000000000"
            + "c00c400000000000"
            + "ffffffff";

    @Test
    void smallDataRecordIsAKmallocWithEveryField() {
        byte[] page = new PageBuilder(1_000_000).bytes(HEX.parseHex(KMALLOC_RECORD)).build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        assertEquals(1_000_100, cursor.timestamp(), "page timestamp + delta");
        assertEquals(52, cursor.payloadLength());
        assertEquals(16 + 4, cursor.payloadOffset(), "payload after the 4-byte record header");
        EventView v = new EventView();
        assertEquals(KmemDecoder.DECODED, decoder.decode(page, cursor.payloadOffset(), cursor.payloadLength(),
                cursor.timestamp(), 1, v));
        assertEquals(AllocEvent.ALLOC, v.type());
        assertEquals(AllocEvent.SOURCE_KMALLOC, v.source());
        assertEquals(12345, v.pid());
        assertEquals(0xffffffff816e541dL, v.callSite());
        assertEquals(0xffff888012345600L, v.address());
        assertEquals(176, v.bytesRequested());
        assertEquals(192, v.bytesAllocated());
        assertEquals(0x400cc0, v.gfpFlags());
        assertEquals(-1, v.cacheId(), "kmalloc carries no cache name");
        assertEquals(1, v.cpu());
        assertFalse(cursor.next());
    }

    /*
     * name: kmem_cache_alloc   ID: 659
     *   common_type @0 = 93 02 (659); flags, preempt; pid @4
     *   field:unsigned long call_site;          offset:8;  size:8;
     *   field:const void * ptr;                 offset:16; size:8;
     *   field:__data_loc char[] name;           offset:24; size:4;  -> 40 00 07 00 : offset 64, length 7 ("dentry\0")
     *   field:size_t bytes_req;                 offset:32; size:8;
     *   field:size_t bytes_alloc;               offset:40; size:8;
     *   field:unsigned long gfp_flags;          offset:48; size:8;
     *   field:int node;                         offset:56; size:4;
     *   field:bool accounted;                   offset:60; size:1;  (+3 bytes of padding to 64)
     *   dynamic data @64: "dentry\0" + 1 byte of alignment -> 72 bytes -> type_len 18, delta 7
     */
    static final String CACHE_ALLOC_RECORD = "f2000000" // (7 << 5) | 18 = 0xf2
            + "9302" + "00" + "00" + "e8030000"          // id 659, pid 1000
            + "1000000080ffffff"                          // call_site 0xffffff8000000010
            + "00d0ab0080 88ffff".replace(" ", "")       // ptr 0xffff8880abd000 .. (as bytes)
            + "40000700"                                  // __data_loc: offset 64, length 7
            + "00000000"                                  // hole: bytes_req is 8-aligned at 32
            + "c000000000000000"                          // bytes_req 192
            + "c000000000000000"                          // bytes_alloc 192
            + "c00c000000000000"                          // gfp 0xcc0 (GFP_KERNEL)
            + "00000000"                                  // node 0
            + "00" + "000000"                             // accounted = false, padding
            + "64656e74727900" + "00";                    // "dentry\0" + alignment

    @Test
    void dataLocNameIsInternedToAStableId() {
        byte[] page = new PageBuilder(5).bytes(HEX.parseHex(CACHE_ALLOC_RECORD))
                .bytes(HEX.parseHex(CACHE_ALLOC_RECORD)).build();
        cursor.load(page, 0, page.length, 0);
        EventView v = new EventView();
        assertTrue(cursor.next());
        assertEquals(72, cursor.payloadLength());
        assertEquals(KmemDecoder.DECODED, decoder.decode(page, cursor.payloadOffset(), cursor.payloadLength(),
                cursor.timestamp(), 0, v));
        int id = v.cacheId();
        assertEquals("dentry", decoder.names().name(id));
        assertEquals(AllocEvent.SOURCE_KMEM_CACHE, v.source());
        assertEquals(1000, v.pid());
        assertEquals(192, v.bytesAllocated());
        assertEquals(12, cursor.timestamp());
        assertTrue(cursor.next());
        decoder.decode(page, cursor.payloadOffset(), cursor.payloadLength(), cursor.timestamp(), 0, v);
        assertEquals(id, v.cacheId(), "same bytes, same id");
        assertEquals(19, cursor.timestamp());
        assertEquals(1, decoder.names().size());
    }

    /*
     * name: kernel_stack   ID: 4
     *   field:int size;                 offset:8;  size:4;   -> number of entries (20 here)
     *   field:unsigned long caller[8];  offset:16; size:64;  -> the real record holds `size` entries, not 8
     * 16 + 20 * 8 = 176 payload bytes > 112 (28 * 4), so a large record: type_len 0, then u32 176 + 4 = 180.
     */
    @Test
    void largeRecordIsAKernelStackLongerThanItsFormatSays() {
        PageBuilder pb = new PageBuilder(0).header(0, 3).u32(180)
                .u16(4).u8(0).u8(0).u32(777)           // common_type 4, pid 777
                .u32(20).u32(0);                        // size = 20 entries, then alignment to 16
        for (int i = 0; i < 20; i++) {
            pb.u64(0xffffffff81000000L + i);
        }
        byte[] page = pb.build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        assertEquals(176, cursor.payloadLength());
        assertEquals(16 + 8, cursor.payloadOffset(), "payload after header word and length word");
        EventView v = new EventView();
        decoder.decode(page, cursor.payloadOffset(), cursor.payloadLength(), cursor.timestamp(), 0, v);
        assertEquals(AllocEvent.STACK, v.type());
        assertEquals(20, v.stackDepth());
        assertEquals(0xffffffff81000013L, v.stackFrame(19));
        assertEquals(777, v.pid());
    }

    @Test
    void stackStopsAtAllOnesAndAtTheRecordEnd() {
        PageBuilder pb = new PageBuilder(0).header(0, 0).u32(16 + 4 * 8 + 4)
                .u16(4).u8(0).u8(0).u32(1).u32(99).u32(0); // claims 99 entries, holds 4
        pb.u64(0xffffffff81000001L).u64(0xffffffff81000002L).u64(-1L).u64(0xffffffff81000004L);
        byte[] page = pb.build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        EventView v = new EventView();
        decoder.decode(page, cursor.payloadOffset(), cursor.payloadLength(), 0, 0, v);
        assertEquals(2, v.stackDepth(), "stops at ~0");
    }

    /* Padding, type_len 29: with delta != 0 the next u32 is the length after the header (a discarded event). */
    @Test
    void paddingWithLengthIsSkippedAndDoesNotMoveTime() {
        byte[] page = new PageBuilder(1000)
                .header(29, 1).u32(12).u64(0)                 // discarded event: 4 + 12 bytes (length word counted)
                .bytes(HEX.parseHex(KMALLOC_RECORD))          // delta 100
                .build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        assertEquals(1100, cursor.timestamp());
        assertEquals(1, cursor.paddingRecords());
    }

    /* Padding with delta 0: the rest of the page is empty, whatever bytes follow. */
    @Test
    void nullPaddingEndsThePage() {
        byte[] page = new PageBuilder(0).bytes(HEX.parseHex(KMALLOC_RECORD)).header(29, 0)
                .bytes(HEX.parseHex(KMALLOC_RECORD)).build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        assertFalse(cursor.next());
    }

    /* Time extend, type_len 30: ts += (next_u32 << 27) | delta. */
    @Test
    void timeExtendAddsItsDelta() {
        byte[] page = new PageBuilder(1000).header(30, 5).u32(3)
                .bytes(HEX.parseHex(KMALLOC_RECORD)).build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        assertEquals(1000 + ((3L << 27) | 5) + 100, cursor.timestamp());
    }

    /* Absolute time stamp, type_len 31: ts = (next_u32 << 27 | delta) | (ts & 0xF8 << 56). */
    @Test
    void absoluteTimestampReplacesTheClock() {
        byte[] page = new PageBuilder(1000).header(31, 7).u32(2)
                .bytes(HEX.parseHex(KMALLOC_RECORD)).build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        assertEquals(((2L << 27) | 7) + 100, cursor.timestamp());
    }

    /* Commit bit 31: events lost before this page; bit 30: their count is stored after the data. */
    @Test
    void lostEventsFlagsAndStoredCount() {
        byte[] page = new PageBuilder(0).bytes(HEX.parseHex(KMALLOC_RECORD)).lost(4242).build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.missedEvents());
        assertEquals(4242, cursor.missedCount());
        assertEquals(56, cursor.commitSize(), "size without the flag bits");
        byte[] flagged = new PageBuilder(0).bytes(HEX.parseHex(KMALLOC_RECORD)).lost(-1).build();
        cursor.load(flagged, 0, flagged.length, 0);
        assertTrue(cursor.missedEvents());
        assertEquals(-1, cursor.missedCount(), "flag without count");
    }

    @Test
    void recordRunningPastCommitIsADecodeErrorWithItsOffset() {
        byte[] page = new PageBuilder(0).header(13, 0).u32(0).build(); // claims 52 bytes, holds 4
        cursor.load(page, 0, page.length, 8192);
        DecodeException e = assertThrows(DecodeException.class, cursor::next);
        assertEquals(8192 + 16, e.offset());
    }

    @Test
    void commitLargerThanThePageIsRejected() {
        byte[] page = new byte[4096];
        Le.putI64(page, 8, 5000);
        assertThrows(DecodeException.class, () -> cursor.load(page, 0, page.length, 0));
    }

    @Test
    void freeEventsCarryAddressAndCallSite() {
        // name: kfree ID: 657; call_site @8 size 8; ptr @16 size 8 -> 24 bytes, type_len 6
        byte[] page = new PageBuilder(0).header(6, 1).u16(657).u8(0).u8(0).u32(1)
                .u64(0xffffffff81111111L).u64(0xffff888000001000L).build();
        cursor.load(page, 0, page.length, 0);
        assertTrue(cursor.next());
        EventView v = new EventView();
        decoder.decode(page, cursor.payloadOffset(), cursor.payloadLength(), cursor.timestamp(), 0, v);
        assertEquals(AllocEvent.FREE, v.type());
        assertEquals(0xffff888000001000L, v.address());
        assertEquals(0xffffffff81111111L, v.callSite());
        assertEquals(0, v.bytesAllocated());
    }
}
