package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.Page;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.testutil.Formats;
import pooltag.linux.testutil.PageBuilder;

class RecordingRoundTripTest {
    @TempDir
    Path dir;

    /** Events seen on replay, as text, plus losses and the end flag. */
    static final class Collect implements AllocEventConsumer {
        final List<String> events = new ArrayList<>();
        long lost;
        Boolean truncated;

        @Override
        public void onEvent(AllocEvent e) {
            events.add(e.cpu() + ":" + e.timestampNanos() + ":" + Long.toHexString(e.address()));
        }

        @Override
        public void onLoss(int cpu, long count) {
            lost += count;
        }

        @Override
        public void onEnd(boolean t) {
            truncated = t;
        }
    }

    static byte[] kmallocPage(long ts, long ptr) {
        return new PageBuilder(ts).header(13, 1).u16(658).u8(0).u8(0).u32(42).u64(0xffffffff816e541dL).u64(ptr)
                .u64(176).u64(192).u64(0xcc0).u32(0).build();
    }

    /** A page of one kmalloc (pid 42, task context) at {@code ts}, read on {@code cpu} at {@code read}. */
    static Page page(int cpu, long ts, long ptr, long read) {
        byte[] b = kmallocPage(ts, ptr);
        Page p = new Page(4096);
        System.arraycopy(b, 0, p.data, 0, b.length);
        p.length = b.length;
        p.cpu = cpu;
        p.readNanos = read;
        return p;
    }

    /** A small complete recording, one PAGE block per page: 2 CPUs, 3 pages, stats with 5 dropped events on cpu1. */
    Path write(boolean withEnd) {
        return write(withEnd, false);
    }

    /** As {@link #write(boolean)}; {@code compress}: one PAGES_ZSTD block holds the pages. */
    Path write(boolean withEnd, boolean compress) {
        return write(withEnd, compress, 0);
    }

    /** As {@link #write(boolean, boolean)}, with cpu0's stats (read after the drain) still counting {@code left} entries. */
    Path write(boolean withEnd, boolean compress, long left) {
        Path f = dir.resolve((compress ? "r2" : "r") + (left > 0 ? "-left" : "") + ".ptrec");
        try (RecordingWriter w = new RecordingWriter(f, pooltag.linux.ring.HeaderPage.DEFAULT_4K, compress)) {
            w.writeMeta(Map.of("cpus", "2", "start_mono_ns", "1000"));
            w.writeText(RecordingFormat.HEADER_PAGE, -1, Formats.resource("header_page"));
            for (Map.Entry<String, String> e : Formats.formatTexts().entrySet()) {
                w.writeText(RecordingFormat.FORMAT, -1, e.getKey() + "\n" + e.getValue());
            }
            w.writeGzip(RecordingFormat.KALLSYMS_GZ, "ffffffff816e53c0 T alloc_pipe_info\nffffffff816e55f0 T x\n");
            w.writeText(RecordingFormat.MODULES, -1, "");
            // {cpu, first event ts, ptr, read time}: cpu1's page holds an earlier event but was read later
            long[][] pages = {{0, 100, 0xa0, 110}, {1, 50, 0xb0, 120}, {0, 300, 0xc0, 310}};
            for (long[] pg : pages) {
                w.writePage(page((int) pg[0], pg[1], pg[2], pg[3]));
            }
            w.writeText(RecordingFormat.CPU_STATS, 0, "entries: " + left + "\noverrun: 0\ndropped events: 0\n");
            w.writeText(RecordingFormat.CPU_STATS, 1, "entries: 0\noverrun: 0\ndropped events: 5\n");
            w.writeLongs(RecordingFormat.LOSS, 5, 0, 0);
            if (withEnd) {
                w.writeLongs(RecordingFormat.END, 9000, 3, 3);
            }
        }
        return f;
    }

    /**
     * The trailer's stats are read after the recorder drained the kernel's buffer: entries still counted there are
     * events the kernel stranded (SessionStats#leftInKernel), lost. cpu0 says 4, cpu1 dropped 5: 9 lost, cpu0's 4
     * told to the consumer for cpu0.
     */
    @Test
    void entriesLeftInTheKernelBufferAfterTheDrainAreLost() {
        Path f = write(true, false, 4);
        try (RecordingReader r = RecordingReader.open(f)) {
            Collect c = new Collect();
            RecordingReader.Replay rp = r.replay(c, 1000);
            assertEquals(List.of("1:51:b0", "0:101:a0", "0:301:c0"), c.events, "the events themselves are all there");
            assertEquals(9, c.lost, "4 stranded on cpu0 + 5 dropped on cpu1 reach the consumer");
            assertEquals(9, rp.lostFromStats());
            assertEquals(9, rp.lostTotal());
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void completeRecordingReplaysInTimestampOrderWithItsLoss(boolean compress) throws Exception {
        Path f = write(true, compress);
        try (RecordingReader r = RecordingReader.open(f)) {
            assertEquals(RecordingFormat.VERSION, r.version(), "version 3 either way");
            indexOfBlock(Files.readAllBytes(f), compress ? RecordingFormat.PAGES_ZSTD : RecordingFormat.PAGE, 1);
            Collect c = new Collect();
            RecordingReader.Replay rp = r.replay(c, 1000);
            assertEquals(List.of("1:51:b0", "0:101:a0", "0:301:c0"), c.events, "merged by timestamp");
            assertTrue(rp.complete());
            assertEquals(Boolean.FALSE, c.truncated);
            assertEquals(5, c.lost, "stats loss per CPU reaches the consumer");
            assertEquals(5, rp.lostFromStats());
            assertEquals(3, rp.pages());
            assertEquals("alloc_pipe_info+0x5d", r.symbols().format(0xffffffff816e541dL));
        }
    }

    @Test
    void killedRecordingReadsUpToItsLastCompleteBlockAndSaysSo() throws Exception {
        Path f = write(false);
        long full = Files.size(f);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(full - 3); // tear the last (LOSS) block
        }
        try (RecordingReader r = RecordingReader.open(f)) {
            Collect c = new Collect();
            RecordingReader.Replay rp = r.replay(c, 0);
            assertFalse(rp.complete());
            assertEquals(3, c.events.size());
            assertEquals(Boolean.TRUE, c.truncated);
            assertTrue(rp.skippedBytes() > 0);
            assertTrue(rp.cutShortReason().contains("LOSS block"), rp.cutShortReason());
        }
    }

    @Test
    void cutInsideAPageKeepsTheEarlierPages() throws Exception {
        Path f = write(true);
        // find the third PAGE block's offset by cutting progressively: 2 complete pages must survive
        long size = Files.size(f);
        byte[] all = Files.readAllBytes(f);
        int thirdPage = indexOfBlock(all, RecordingFormat.PAGE, 3);
        Files.write(f, java.util.Arrays.copyOf(all, thirdPage + 30)); // inside its 96-byte block
        try (RecordingReader r = RecordingReader.open(f)) {
            Collect c = new Collect();
            RecordingReader.Replay rp = r.replay(c, 0);
            assertEquals(2, c.events.size());
            assertFalse(rp.complete());
            assertEquals(30, rp.skippedBytes());
        }
        assertTrue(size > thirdPage);
    }

    static int indexOfBlock(byte[] all, int kind, int nth) {
        int pos = RecordingFormat.FILE_HEADER_SIZE, seen = 0;
        while (pos + 16 <= all.length) {
            int k = pooltag.linux.ring.Le.i32(all, pos);
            int len = pooltag.linux.ring.Le.i32(all, pos + 8);
            if (k == kind && ++seen == nth) {
                return pos;
            }
            pos += 16 + len;
        }
        throw new AssertionError("block not found");
    }

    /** What one replay of a (damaged) recording delivered, and what the replay said of the file. */
    record Replayed(Collect c, RecordingReader.Replay rp) {
    }

    /** Writes {@code bytes} to {@code f}, opens it and replays it whole. */
    private static Replayed writeAndReplay(Path f, byte[] bytes) throws java.io.IOException {
        Files.write(f, bytes);
        try (RecordingReader r = RecordingReader.open(f)) {
            Collect c = new Collect();
            return new Replayed(c, r.replay(c, 0));
        }
    }

    /** The events a whole replay of {@code f} delivers. */
    private static int eventsIn(Path f) {
        try (RecordingReader r = RecordingReader.open(f)) {
            Collect c = new Collect();
            r.replay(c, 0);
            return c.events.size();
        }
    }

    /**
     * A damaged second page is skipped alone: the first and third pages' events are replayed, the damage is named
     * and counted (its block's bytes and its one page), the file is not called cut short. Before the reader
     * resynchronised, the replay stopped there and the third page was lost too.
     */
    @Test
    void aDamagedPageIsSkippedAloneAndTheReplayReadsOnPastIt() throws Exception {
        Path f = write(true);
        byte[] all = Files.readAllBytes(f);
        int page = indexOfBlock(all, RecordingFormat.PAGE, 2);
        int next = indexOfBlock(all, RecordingFormat.PAGE, 3);
        all[page + 40] ^= 1;
        Replayed d = writeAndReplay(f, all);
        // pages 1 (cpu0, ts 100) and 3 (cpu0, ts 300) of write(): page 2 (cpu1, ts 50) was in the damaged block
        assertEquals(List.of("0:101:a0", "0:301:c0"), d.c().events.stream().sorted().toList());
        assertFalse(d.rp().complete());
        assertEquals(Boolean.TRUE, d.c().truncated, "the ledger is told the replay is not whole");
        assertEquals(null, d.rp().cutShortReason());
        assertEquals(1, d.rp().damagedBlocks());
        assertEquals(next - page, d.rp().skippedBytes(), "the damaged block's header and payload");
        assertEquals(1, d.rp().skippedPages(), "END counts 3 pages written, 2 were read");
        assertEquals("PAGE block at byte " + page + " fails its CRC-32", d.rp().firstDamage());
    }

    /** A damaged PAGES_ZSTD block is skipped alone: the trailer after it is read, its pages counted from END's. */
    @Test
    void compressedBlockThatFailsItsCrcIsSkippedAloneAndSaysWhere() throws Exception {
        Path f = write(true, true);
        byte[] all = Files.readAllBytes(f);
        int block = indexOfBlock(all, RecordingFormat.PAGES_ZSTD, 1);
        int after = block + 16 + pooltag.linux.ring.Le.i32(all, block + 8);
        all[block + 30] ^= 1;
        Replayed d = writeAndReplay(dir.resolve("bad"), all);
        assertEquals(0, d.c().events.size()); // the damaged block held every page
        assertEquals(5, d.c().lost, "the stats after it are read: cpu1's 5 dropped events");
        assertFalse(d.rp().complete());
        assertEquals(null, d.rp().cutShortReason(), "the END block was read");
        assertEquals(1, d.rp().damagedBlocks());
        assertEquals(after - block, d.rp().skippedBytes());
        assertEquals(3, d.rp().skippedPages(), "the block's 3 pages, by the END block's count");
        assertEquals("PAGES_ZSTD block at byte " + block + " fails its CRC-32", d.rp().firstDamage());
    }

    /**
     * Damage in the last block (END) loses no page: every event is replayed, the replay says it has no END block
     * because of the damage, and counts the block once.
     */
    @Test
    void aDamagedLastBlockKeepsEveryEventBeforeIt() throws Exception {
        Path f = write(true, true);
        int whole = eventsIn(f);
        byte[] all = Files.readAllBytes(f);
        int end = indexOfBlock(all, RecordingFormat.END, 1);
        all[end + 17] ^= 1;
        Replayed d = writeAndReplay(dir.resolve("bad-end"), all);
        assertTrue(whole > 0);
        assertEquals(whole, d.c().events.size());
        assertFalse(d.rp().complete());
        assertEquals("no END block (damaged blocks ran to the end of the file)", d.rp().cutShortReason());
        assertEquals("END block at byte " + end + " fails its CRC-32", d.rp().firstDamage());
        assertEquals(1, d.rp().damagedBlocks());
        assertEquals(all.length - end, d.rp().skippedBytes());
        assertEquals(0, d.rp().skippedPages(), "no END count to compare with: no page is known missing");
    }

    @Test
    void compressedRecordingCutInsideItsPagesBlockReplaysNoPageAndSaysSo() throws Exception {
        Path f = write(false, true);
        byte[] all = Files.readAllBytes(f);
        int block = indexOfBlock(all, RecordingFormat.PAGES_ZSTD, 1);
        Replayed d = writeAndReplay(f, java.util.Arrays.copyOf(all, block + 20));
        assertEquals(0, d.c().events.size());
        assertFalse(d.rp().complete());
        assertEquals(20, d.rp().skippedBytes());
        assertTrue(d.rp().cutShortReason().contains("PAGES_ZSTD block"), d.rp().cutShortReason());
    }

    /**
     * The block header is under the CRC (version 3, every writer): a damaged kind is damage, found where it is. In
     * versions 1 and 2 the CRC covered the payload only, and the END block with its kind flipped to 43 read as an
     * unknown block: the replay said "complete" with the recording's end missing.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aDamagedBlockKindFailsTheCrcInsteadOfReadingAsAnUnknownBlock(boolean compress) throws Exception {
        Path f = write(true, compress);
        int whole = eventsIn(f);
        byte[] all = Files.readAllBytes(f);
        assertEquals(3, pooltag.linux.ring.Le.i32(all, 8), "version at byte 8");
        assertEquals(0, pooltag.linux.ring.Le.i32(all, 12), "flags at byte 12: none in version 3");
        int end = indexOfBlock(all, RecordingFormat.END, 1);
        all[end] ^= 0x20; // kind 11 (END) -> 43
        Replayed d = writeAndReplay(dir.resolve("bad-kind"), all);
        assertEquals(whole, d.c().events.size(), "everything before the damage is replayed");
        assertFalse(d.rp().complete());
        assertEquals(0, d.rp().unknownBlocks());
        assertEquals("kind 43 block at byte " + end + " fails its CRC-32", d.rp().firstDamage());
        assertEquals(1, d.rp().damagedBlocks());
    }

    /**
     * A damaged length over its kind's limit is damage too, and hides where the next block starts: nothing is
     * allocated for the claim, the reader finds the next sound block (the stats after the page) by scanning, and
     * skips only the damaged one.
     */
    @Test
    void aBlockClaimingMoreThanItsKindHoldsIsSkippedAloneByScanningForTheNextBlock() throws Exception {
        Path f = write(true);
        byte[] all = Files.readAllBytes(f);
        int page = indexOfBlock(all, RecordingFormat.PAGE, 3);
        int after = page + 16 + pooltag.linux.ring.Le.i32(all, page + 8);
        pooltag.linux.ring.Le.putI32(all, page + 8, 0x7fff_0000); // 2 GiB: over any limit and past the file
        Replayed d = writeAndReplay(dir.resolve("bad-len"), all);
        assertEquals(List.of("0:101:a0", "1:51:b0"), d.c().events.stream().sorted().toList(), "the two pages before it");
        assertEquals(5, d.c().lost, "the trailer after it is read");
        assertFalse(d.rp().complete());
        assertEquals(null, d.rp().cutShortReason());
        assertEquals(1, d.rp().damagedBlocks());
        assertEquals(after - page, d.rp().skippedBytes());
        assertEquals(1, d.rp().skippedPages());
        assertTrue(d.rp().firstDamage().startsWith("PAGE block at byte " + page + " claims 2147418112 payload"
                + " bytes, more than that kind holds ("), d.rp().firstDamage());
    }

    /**
     * Files of older pooltags are read as they were written: version 2 with flags 0 (the CRC covers the payload
     * only), and version 2 with flags 1 (round 14's pooltag: the header under the CRC, as version 3 has it).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, RecordingFormat.FLAG_HEADER_CRC})
    void version2RecordingsOfOlderPooltagsReadAsTheyWereWritten(int flags) throws Exception {
        Path f = write(true, true);
        int whole = eventsIn(f);
        byte[] all = Files.readAllBytes(f);
        pooltag.linux.ring.Le.putI32(all, 8, RecordingFormat.VERSION_2);
        pooltag.linux.ring.Le.putI32(all, 12, flags);
        if (flags == 0) {
            payloadOnlyCrcs(all);
        }
        Files.write(dir.resolve("old"), all);
        try (RecordingReader r = RecordingReader.open(dir.resolve("old"))) {
            assertEquals(2, r.version());
            Collect c = new Collect();
            RecordingReader.Replay rp = r.replay(c, 0);
            assertTrue(rp.complete(), rp.cutShortReason());
            assertEquals(whole, c.events.size());
        }
    }

    /** Each block's CRC recomputed over its payload alone, as versions 1 and 2 without FLAG_HEADER_CRC have it. */
    private static void payloadOnlyCrcs(byte[] all) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        for (int pos = 16; pos < all.length; ) {
            int len = pooltag.linux.ring.Le.i32(all, pos + 8);
            crc.reset();
            crc.update(all, pos + 16, len);
            pooltag.linux.ring.Le.putI32(all, pos + 12, (int) crc.getValue());
            pos += 16 + len;
        }
    }

    /**
     * In a version 2 file without the flag the CRC cannot see a damaged kind: the pages' block read as an unknown
     * one and the replay said "complete" with every page missing. The END block counts the pages written, so the
     * replay now says they are missing and is not complete.
     */
    @Test
    void pagesMissingWithoutAFailedCrcAreCountedAgainstTheEndBlock() throws Exception {
        Path f = write(true, true);
        byte[] all = Files.readAllBytes(f);
        pooltag.linux.ring.Le.putI32(all, 8, RecordingFormat.VERSION_2);
        pooltag.linux.ring.Le.putI32(all, 12, 0);
        int block = indexOfBlock(all, RecordingFormat.PAGES_ZSTD, 1);
        pooltag.linux.ring.Le.putI32(all, block, 99); // a kind no reader knows; the payload-only CRC still holds
        payloadOnlyCrcs(all);
        Replayed d = writeAndReplay(dir.resolve("old-kind"), all);
        assertEquals(0, d.c().events.size());
        assertEquals(1, d.rp().unknownBlocks());
        assertFalse(d.rp().complete());
        assertEquals(Boolean.TRUE, d.c().truncated, "the consumer is told the file is not whole");
        assertEquals("the END block counts 3 pages written, the file holds 0: 3 pages are missing (blocks lost or"
                + " damaged where no CRC could see it)", d.rp().cutShortReason());
    }

    /** The message of the refusal to open {@code bytes}, written to {@code f}. */
    private static String refusalToOpen(Path f, byte[] bytes) throws java.io.IOException {
        Files.write(f, bytes);
        return assertThrows(DecodeException.class, () -> RecordingReader.open(f)).getMessage();
    }

    /** A version this pooltag does not know is refused by its number, at byte 8, before any block is read. */
    @Test
    void aNewerVersionIsRefusedAtItsByte() throws Exception {
        Path f = write(true);
        byte[] all = Files.readAllBytes(f);
        pooltag.linux.ring.Le.putI32(all, 8, 4);
        assertEquals(f + " at byte 8: recording version 4; this pooltag reads versions 1 to 3", refusalToOpen(f, all));
    }

    @Test
    void aFlagThisPooltagDoesNotKnowIsRefusedAtItsByte() throws Exception {
        Path f = write(true);
        byte[] all = Files.readAllBytes(f);
        pooltag.linux.ring.Le.putI32(all, 12, 0x5);
        assertEquals(f + " at byte 12: flags 0x5: bits 0x5 are unknown to this pooltag in a version 3 recording"
                + " (a newer writer's, or damage)", refusalToOpen(f, all));
        pooltag.linux.ring.Le.putI32(all, 8, RecordingFormat.VERSION_2); // bit 0 meant something in version 2
        assertEquals(f + " at byte 12: flags 0x5: bits 0x4 are unknown to this pooltag in a version 2 recording"
                + " (a newer writer's, or damage)", refusalToOpen(f, all));
    }

    /**
     * A LOSS block whose count reads negative (all ones: 2^64 - 1) is not read as 0 lost: its CRC is valid, but its
     * content does not decode, so it is a damaged block (counted, named), and the file is DAMAGED, not complete.
     * Before, the replay stopped at it with an error.
     */
    @Test
    void aLossCountNoKernelCouldReachIsDamageNotReadAsZero() {
        Path f = dir.resolve("lie.ptrec");
        try (RecordingWriter w = new RecordingWriter(f, pooltag.linux.ring.HeaderPage.DEFAULT_4K, true)) {
            w.writeMeta(Map.of("cpus", "1", "start_mono_ns", "1000"));
            w.writeText(RecordingFormat.HEADER_PAGE, -1, Formats.resource("header_page"));
            for (Map.Entry<String, String> e : Formats.formatTexts().entrySet()) {
                w.writeText(RecordingFormat.FORMAT, -1, e.getKey() + "\n" + e.getValue());
            }
            w.writePage(page(0, 100, 0xa0, 110));
            w.writeLongs(RecordingFormat.LOSS, -1L, 0, 0);
            w.writeLongs(RecordingFormat.END, 9000, 1, 1);
        }
        try (RecordingReader r = RecordingReader.open(f)) {
            Collect c = new Collect();
            RecordingReader.Replay rp = r.replay(c, 0);
            assertEquals(1, rp.damagedBlocks());
            assertTrue(rp.firstDamage().startsWith("LOSS block at byte "), rp.firstDamage());
            assertTrue(rp.firstDamage().endsWith("does not decode, though its CRC-32 holds: LOSS block says"
                    + " 18446744073709551615 events were lost: more than any kernel counts"), rp.firstDamage());
            assertFalse(rp.complete());
            assertEquals(Boolean.TRUE, c.truncated);
            assertEquals(1, c.events.size(), "the page before it");
            assertEquals(9000, rp.endNanos(), "the END block after it was read");
        }
    }

    /**
     * A FORMAT the decoder cannot read (a number field 0 bytes wide) for an event the recording traced is refused
     * at open, naming its block; the same FORMAT for an event it did not trace is no obstacle. Before, the traced
     * kmallocs replayed as "other events" and the report exited 0 without them.
     */
    @Test
    void aTracedEventWhoseFormatCannotBeDecodedIsRefusedNamingItsBlock() {
        Path f = dir.resolve("ptr0.ptrec");
        Path g = dir.resolve("ptr0-untraced.ptrec");
        for (Path p : List.of(f, g)) {
            try (RecordingWriter w = new RecordingWriter(p, pooltag.linux.ring.HeaderPage.DEFAULT_4K, true)) {
                w.writeMeta(Map.of("cpus", "1", "start_mono_ns", "1000",
                        "events", p == f ? "kmem/kmalloc,kmem/kfree" : "kmem/kfree"));
                w.writeText(RecordingFormat.HEADER_PAGE, -1, Formats.resource("header_page"));
                for (Map.Entry<String, String> e : Formats.formatTexts().entrySet()) {
                    String text = e.getValue();
                    if (e.getKey().equals("kmem/kmalloc")) {
                        text = text.replace("ptr;\toffset:16;\tsize:8;", "ptr;\toffset:16;\tsize:0;");
                    }
                    w.writeText(RecordingFormat.FORMAT, -1, e.getKey() + "\n" + text);
                }
                w.writeLongs(RecordingFormat.LOSS, 0, 0, 0);
                w.writeLongs(RecordingFormat.END, 9000, 0, 0);
            }
        }
        DecodeException e = assertThrows(DecodeException.class, () -> RecordingReader.open(f));
        assertTrue(e.getMessage().matches(java.util.regex.Pattern.quote(f.toString()) + " at byte \\d+: FORMAT block"
                + " kmem/kmalloc: field 'ptr' is 0 bytes; a number is 1, 2, 4 or 8 \\(the recording traced this"
                + " event, so its records cannot be replayed\\)"), e.getMessage());
        try (RecordingReader r = RecordingReader.open(g)) {
            assertTrue(r.replay(new Collect(), 0).complete());
        }
    }

    @Test
    void notARecording() throws Exception {
        Path f = dir.resolve("x");
        String refusal = refusalToOpen(f, "hello, world, this is text".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(refusal.contains("bad magic"), refusal);
    }
}
