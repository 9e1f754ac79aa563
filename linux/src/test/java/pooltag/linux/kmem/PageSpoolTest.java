package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.recording.RecordingReader;

/**
 * {@code record}'s spool: real pages written as the readers write them come back whole, in read order across CPUs and
 * across write batches, and count to the same events as the pages themselves; the files are private and go away.
 */
class PageSpoolTest {
    @TempDir
    Path dir;

    private static final AllocEventConsumer NONE = new AllocEventConsumer() {
        @Override
        public void onEvent(AllocEvent e) {
        }

        @Override
        public void onLoss(int cpu, long count) {
        }
    };

    private record Entry(int cpu, int seq, long nanos, byte[] bytes) {
    }

    private RecordingReader real() throws Exception {
        Path f = dir.resolve("real.ptrec");
        if (!Files.exists(f)) {
            try (InputStream in = PageSpoolTest.class.getResourceAsStream("/real-pages.ptrec")) {
                Files.write(f, in.readAllBytes());
            }
        }
        return RecordingReader.open(f);
    }

    @Test
    void realPagesComeBackWholeInReadOrderAndCountTheSame() throws Exception {
        List<Page> pages;
        EventMerger direct;
        int cpus;
        int pageSize;
        try (RecordingReader r = real()) {
            cpus = r.cpus();
            pageSize = r.schema().header().pageSize();
            direct = new EventMerger(cpus, r.schema().header(), new KmemDecoder(r.schema(), new NameTable()), 0,
                    p -> { });
            pages = r.readPages();
        }
        // 5 rounds of the 32 real pages: more than a write batch per CPU, read times interleaved across CPUs
        List<Entry> written = new ArrayList<>();
        int[] seq = new int[cpus];
        PageSpool spool = PageSpool.create(dir.resolve("x.ptrec.spool"), cpus, pageSize);
        for (int round = 0; round < 5; round++) {
            for (Page p : pages) {
                PageSpool.Writer w = spool.writer(p.cpu);
                w.buffer().put(w.slot(), p.data, 0, p.length);
                long t = p.readNanos + round * 1_000_000_000L;
                w.commit(p.length, t);
                written.add(new Entry(p.cpu, seq[p.cpu]++, t, Arrays.copyOf(p.data, p.length)));
                direct.countPage(p, NONE);
            }
        }
        assertTrue(written.size() > 2 * PageSpool.BATCH, "batches are crossed: " + written.size());
        for (int c = 0; c < cpus; c++) {
            spool.writer(c).flush();
        }
        assertEquals(written.size(), spool.pages());
        assertEquals(written.size() * (long) (pageSize + PageSpool.INDEX_ENTRY), spool.bytes(),
                "a whole page slot and an index entry per page");
        for (int c = 0; c < cpus; c++) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spool.pagesFile(c))));
            assertEquals(0, Files.size(spool.pagesFile(c)) % pageSize, "page-aligned slots");
        }

        List<Entry> expected = new ArrayList<>(written);
        expected.sort(Comparator.comparingLong(Entry::nanos).thenComparingInt(Entry::cpu).thenComparingInt(Entry::seq));
        EventMerger replayed;
        try (RecordingReader r = real()) {
            replayed = new EventMerger(cpus, r.schema().header(), new KmemDecoder(r.schema(), new NameTable()), 0,
                    p -> { });
        }
        int i = 0;
        try (PageSpool.Replay rp = spool.replay()) {
            Page p = new Page(pageSize);
            while (rp.next(p)) {
                Entry e = expected.get(i++);
                assertEquals(e.cpu(), p.cpu, "page " + i);
                assertEquals(e.nanos(), p.readNanos, "page " + i);
                assertArrayEquals(e.bytes(), Arrays.copyOf(p.data, p.length), "page " + i);
                replayed.countPage(p, NONE);
            }
        }
        assertEquals(expected.size(), i, "every page comes back once");
        for (int k = 0; k < KmemDecoder.KINDS; k++) {
            assertEquals(direct.events(k), replayed.events(k), KmemDecoder.kindName(k));
        }
        for (int c = 0; c < cpus; c++) {
            assertEquals(direct.records(c), replayed.records(c), "records of cpu" + c);
        }
        assertTrue(replayed.totalEvents() > 0);

        assertTrue(spool.delete());
        for (int c = 0; c < cpus; c++) {
            assertFalse(Files.exists(spool.pagesFile(c)));
            assertFalse(Files.exists(spool.indexFile(c)));
        }
        try (var s = Files.list(dir)) {
            assertEquals(List.of("real.ptrec"), s.map(p -> p.getFileName().toString()).toList(), "nothing else left");
        }
    }

    /**
     * A splicing reader: the kernel writes batches of filled pages into the pages file at {@code pagesEnd} (done here
     * with a positional write, as splice(2) with an offset does), and the page it has not filled is read and written
     * at once between them; the replay gives them back in that order, whole, the read page by its own length.
     */
    @Test
    void splicedBatchesAndReadPagesInterleaveInFileOrder() throws Exception {
        int pageSize = 4096;
        PageSpool spool = PageSpool.create(dir.resolve("s.spool"), 1, pageSize);
        PageSpool.Writer w = spool.writer(0);
        List<byte[]> expected = new ArrayList<>();
        long t = 1000;
        try (java.nio.channels.FileChannel kernel = java.nio.channels.FileChannel.open(w.pagesPath(),
                java.nio.file.StandardOpenOption.WRITE)) {
            for (int round = 0; round < 40; round++) { // 40 x (3 spliced + 1 read): the index crosses its batch
                java.nio.ByteBuffer batch = java.nio.ByteBuffer.allocate(3 * pageSize);
                for (int i = 0; i < 3; i++) {
                    byte[] page = new byte[pageSize];
                    Arrays.fill(page, (byte) (round * 4 + i));
                    batch.put(page);
                    expected.add(page);
                }
                batch.flip();
                long at = w.pagesEnd();
                while (batch.hasRemaining()) {
                    at += kernel.write(batch, at);
                }
                w.spliced(3 * pageSize, t++);
                byte[] partial = new byte[100];
                Arrays.fill(partial, (byte) (round * 4 + 3));
                w.buffer().put(w.slot(), partial);
                w.commit(partial.length, t++);
                w.flushPages();
                expected.add(partial);
            }
        }
        w.flush(); // the reader's last act: the index entries still buffered
        assertEquals(40L * 4, spool.pages());
        int i = 0;
        try (PageSpool.Replay rp = spool.replay()) {
            Page p = new Page(pageSize);
            while (rp.next(p) && i < expected.size()) {
                assertArrayEquals(expected.get(i), Arrays.copyOf(p.data, p.length), "page " + i);
                i++;
            }
        }
        assertEquals(expected.size(), i);
        assertTrue(spool.delete());

        PageSpool other = PageSpool.create(dir.resolve("o.spool"), 1, pageSize);
        other.writer(0).commit(10, 0); // a read page waiting in the buffer: a splice now would land before it
        assertThrows(IllegalStateException.class, () -> other.writer(0).spliced(pageSize, 0));
        assertTrue(other.delete());
    }

    @Test
    void anExistingFileIsAnErrorAndIsLeftAsItWas() throws Exception {
        Path prefix = dir.resolve("y.ptrec.spool");
        Path theirs = prefix.resolveSibling("y.ptrec.spool.cpu1");
        Files.writeString(theirs, "not ours");
        PooltagException e = assertThrows(PooltagException.class, () -> PageSpool.create(prefix, 2, 4096));
        assertTrue(e.getMessage().contains(theirs.toString()), e.getMessage());
        assertEquals("not ours", Files.readString(theirs));
        try (var s = Files.list(dir)) {
            assertEquals(List.of("y.ptrec.spool.cpu1"), s.map(p -> p.getFileName().toString()).toList(),
                    "the files made before the error are removed, the one found is kept");
        }
    }

    @Test
    void anEmptySpoolReplaysNothing() throws Exception {
        PageSpool spool = PageSpool.create(dir.resolve("z.spool"), 3, 4096);
        spool.writer(1).flush();
        try (PageSpool.Replay rp = spool.replay()) {
            assertFalse(rp.next(new Page(4096)));
        }
        assertEquals(0, spool.bytes());
        assertTrue(spool.delete());
        assertTrue(spool.delete(), "idempotent");
    }
}
