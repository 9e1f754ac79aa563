package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.Page;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.testutil.Formats;
import pooltag.linux.testutil.PageBuilder;

/** The reader's bounds (issue 13 item 1) and the writer's file safety (item 4), each with a known answer. */
class RecordingLimitsTest {
    @TempDir
    Path dir;

    /** A recording with the real preamble; {@code headerPage} and {@code kallsymsGz} replaceable. */
    private static byte[] recording(String headerPage, byte[] kallsymsGz, int cpus, Page... pages) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (RecordingWriter w = new RecordingWriter(bo, "mem", HeaderPage.DEFAULT_4K, true)) {
            w.writeMeta(Map.of("cpus", Integer.toString(cpus)));
            w.writeText(RecordingFormat.HEADER_PAGE, -1, headerPage);
            for (Map.Entry<String, String> e : Formats.formatTexts().entrySet()) {
                w.writeText(RecordingFormat.FORMAT, -1, e.getKey() + "\n" + e.getValue());
            }
            if (kallsymsGz != null) {
                w.writeGzipPayload(kallsymsGz);
            }
            for (Page p : pages) {
                w.writePage(p);
            }
            w.writeLongs(RecordingFormat.END, 1, pages.length, 0);
        }
        return bo.toByteArray();
    }

    private static final AllocEventConsumer COUNT = new AllocEventConsumer() {
        @Override
        public void onEvent(AllocEvent e) {
        }

        @Override
        public void onLoss(int cpu, long count) {
        }
    };

    @Test
    void aHeaderPageDeclaringAHugePageIsRefusedBeforeAnyPageIsRead() {
        String huge = Formats.resource("header_page").replace("size:4080", "size:16777200");
        DecodeException e = assertThrows(DecodeException.class,
                () -> RecordingReader.open("huge", recording(huge, null, 1)));
        assertTrue(e.getMessage().startsWith("huge at byte 39: HEADER_PAGE block: ") && e.getMessage().contains("16777200"),
                e.getMessage());
    }

    @Test
    void aHeaderLayoutWhoseCommitOverlapsTheDataIsADecodeErrorNotAnIndexError() {
        String overlap = Formats.resource("header_page").replace("offset:8;\tsize:8;\tsigned:1", "offset:4090;\tsize:8;\tsigned:1");
        DecodeException e = assertThrows(DecodeException.class,
                () -> RecordingReader.open("overlap", recording(overlap, null, 1)));
        assertTrue(e.getMessage().contains("commit at offset 4090 does not fit the 16-byte page header"),
                e.getMessage());
    }

    @Test
    void aKallsymsBombStopsAtTheBoundWithOneLine() throws IOException {
        // 24 MiB of one short line gzips to ~24 KiB; the reader stops at 1,000,000 lines (about 21 MiB)
        byte[] bomb = RecordingFuzzer.Bomb.GZIP;
        assertTrue(bomb.length < 1 << 20, "the bomb is small: " + bomb.length);
        try (RecordingReader r = RecordingReader.open("bomb", recording(Formats.resource("header_page"),
                bomb, 1))) {
            DecodeException e = assertThrows(DecodeException.class, r::symbols);
            assertTrue(e.getMessage().contains("KALLSYMS_GZ block holds more than 1000000 lines"), e.getMessage());
        }
    }

    @Test
    void aCpuWhoseEventsNeverComeDueIsDrainedAtTheBoundNotBufferedWithoutEnd() {
        // cpu0's events are stamped far beyond every page's read time and cpu1 never sends a page: the merge
        // would hold every page until the end. 4 KiB pages; 20,000 of them are ~80 MiB > the 64 MiB bound.
        PageBuilder b = new PageBuilder(1_000_000_000_000_000L);
        int records = 0;
        while (b.size() + 56 <= 4080) {
            b.header(13, 1).u16(658).u8(0).u8(0).u32(42).u64(0xffffffff816e541dL).u64(0xa000 + records)
                    .u64(176).u64(192).u64(0xcc0).u32(0);
            records++;
        }
        byte[] bytes = b.build();
        int n = 20_000;
        Page[] pages = new Page[n];
        for (int i = 0; i < n; i++) {
            Page p = new Page(4096);
            System.arraycopy(bytes, 0, p.data, 0, bytes.length);
            p.length = bytes.length;
            p.cpu = 0;
            p.readNanos = 1000 + i;
            pages[i] = p;
        }
        byte[] rec = recording(Formats.resource("header_page"), null, 2, pages);
        assertTrue(rec.length < 4 << 20, "compressed, the file is small: " + rec.length);
        long[] events = new long[1];
        try (RecordingReader r = RecordingReader.open("stall", rec)) {
            RecordingReader.Replay rp = r.replay(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent e) {
                    events[0]++;
                }

                @Override
                public void onLoss(int cpu, long count) {
                }
            }, 1_000_000_000L);
            long pageBytes = (long) n * bytes.length;
            assertEquals(pageBytes / (RecordingFormat.MAX_QUEUED_PAGE_BYTES + 1), rp.forcedDrains(),
                    "one drain per 64 MiB held back");
            assertEquals((long) n * records, events[0], "every event is still delivered");
            assertTrue(rp.complete());
        }
    }

    @Test
    void aVersion1RecordingStaysReadable() throws Exception {
        try (var in = RecordingLimitsTest.class.getResourceAsStream("/real-pages.ptrec");
             RecordingReader r = RecordingReader.open("real-pages.ptrec", in.readAllBytes())) {
            assertEquals(1, r.version());
            RecordingReader.Replay rp = r.replay(COUNT, 1_000_000_000L);
            assertEquals(32, rp.pages());
            assertTrue(rp.complete(), rp.cutShortReason()); // its END block counts the 32 pages
        }
    }

    @Test
    void recordingsAreCreated0600WhateverTheUmask() throws Exception {
        Path f = dir.resolve("r.ptrec");
        new RecordingWriter(f).close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void anExistingFileIsNeitherOverwrittenNorTruncated() throws Exception {
        Path f = dir.resolve("r.ptrec");
        Files.writeString(f, "precious");
        PooltagException e = assertThrows(PooltagException.class, () -> new RecordingWriter(f));
        assertEquals(f + ": already exists; pooltag creates a new file and overwrites nothing", e.getMessage());
        assertEquals("precious", Files.readString(f));
    }

    @Test
    void aSymlinkAtTheOutputPathIsNotFollowed() throws Exception {
        Path target = dir.resolve("target");
        Path link = dir.resolve("link.ptrec");
        Files.createSymbolicLink(link, target); // dangling: following it would create "target"
        PooltagException e = assertThrows(PooltagException.class, () -> new RecordingWriter(link));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertTrue(Files.notExists(target), "nothing created through the link");
        Files.writeString(target, "precious");
        assertThrows(PooltagException.class, () -> new RecordingWriter(link));
        assertEquals("precious", Files.readString(target));
    }
}
