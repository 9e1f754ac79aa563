package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code record}'s spool on a disk that fills: every page that reached the file comes back, a page written in part
 * and the pages never written are counted as dropped (never replayed as garbage), index entries the disk refused are
 * replayed from memory, and the refusal is one line naming the file. The replay gives the spool's blocks back as it
 * reads them, so the recording fits where the spool was.
 */
class PageSpoolDiskFullTest {
    static final int PAGE = 4096;
    @TempDir
    Path dir;

    /**
     * A file system with {@code room} bytes left, shared by every channel made through it: a write takes what fits
     * (a short write, as write(2) makes), the next one fails as the JDK reports ENOSPC.
     */
    private static final class Disk {
        final AtomicLong room;
        /** Which files it limits: those whose name ends so (the others have all the room they want). */
        final String suffix;

        Disk(long room, String suffix) {
            this.room = new AtomicLong(room);
            this.suffix = suffix;
        }

        FileChannel wrap(FileChannel ch, Path p) {
            return p.toString().endsWith(suffix) ? new Full(ch, this) : ch;
        }
    }

    private static final class Full extends FileChannel {
        private final FileChannel ch;
        private final Disk disk;

        Full(FileChannel ch, Disk disk) {
            this.ch = ch;
            this.disk = disk;
        }

        private ByteBuffer fitting(ByteBuffer src) throws IOException {
            long left = disk.room.get();
            if (left <= 0) {
                throw new IOException("No space left on device");
            }
            int n = (int) Math.min(left, src.remaining());
            disk.room.addAndGet(-n);
            return src.slice(src.position(), n);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            ByteBuffer part = fitting(src);
            int n = ch.write(part);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            ByteBuffer part = fitting(src);
            int n = ch.write(part, position);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return ch.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return ch.read(dsts, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() throws IOException {
            return ch.position();
        }

        @Override
        public FileChannel position(long p) throws IOException {
            ch.position(p);
            return this;
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            ch.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            ch.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            ch.close();
        }
    }

    private PageSpool spool(String name, Disk disk) {
        Path prefix = dir.resolve(name);
        // the writer makes the pages file first, then the index: tell them apart by the order they come
        List<Path> made = List.of(prefix.resolveSibling(name + ".cpu0"), prefix.resolveSibling(name + ".cpu0.idx"));
        int[] at = {0};
        return PageSpool.create(prefix, 1, PAGE, ch -> disk.wrap(ch, made.get(at[0]++)));
    }

    private static byte[] page(int i) {
        byte[] b = new byte[PAGE];
        Arrays.fill(b, (byte) (i * 7 + 1));
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        return b;
    }

    /** Commits pages 0, 1, ... read at 1000 + i until the writer throws; the pages committed, the failing one too. */
    private static DiskFullException commitUntilFull(PageSpool.Writer w, int most, List<byte[]> committed) {
        for (int i = 0; i < most; i++) {
            byte[] p = page(i);
            w.buffer().put(w.slot(), p);
            committed.add(p);
            try {
                w.commit(PAGE, 1000 + i);
            } catch (DiskFullException e) {
                return e;
            }
        }
        return null;
    }

    private static List<byte[]> replay(PageSpool s) throws IOException {
        List<byte[]> out = new ArrayList<>();
        long last = -1;
        try (PageSpool.Replay r = s.replay()) {
            Page p = new Page(PAGE);
            while (r.next(p)) {
                assertTrue(p.readNanos > last, "in read order");
                last = p.readNanos;
                assertEquals(1000 + out.size(), p.readNanos, "each page with its own read time");
                out.add(Arrays.copyOf(p.data, p.length));
            }
        }
        return out;
    }

    @Test
    void aPagesWriteRefusedInPartKeepsTheWholePagesWrittenAndCountsTheRest() throws Exception {
        // room for the first batch and 10.5 pages of the second: 74 whole pages reach the disk
        Disk disk = new Disk((PageSpool.BATCH + 10L) * PAGE + PAGE / 2, ".cpu0");
        PageSpool s = spool("p.spool", disk);
        PageSpool.Writer w = s.writer(0);
        List<byte[]> committed = new ArrayList<>();
        DiskFullException e = commitUntilFull(w, 3 * PageSpool.BATCH, committed);
        assertTrue(e != null, "the second batch's write is refused");
        assertEquals(2 * PageSpool.BATCH, committed.size(), "refused when the second batch was written");
        assertTrue(e.getMessage().startsWith("writing " + dir.resolve("p.spool.cpu0") + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("No space left on device"), e.getMessage());
        assertEquals(e.getMessage(), s.fullCause());
        assertTrue(w.full());
        int kept = PageSpool.BATCH + 10;
        assertEquals(PageSpool.BATCH - 10, s.droppedPages(), "the pages that did not reach the disk are counted");
        assertEquals(kept, s.pages());
        assertEquals((long) kept * PAGE, Files.size(dir.resolve("p.spool.cpu0")), "the half page is cut off");
        w.flush(); // the reader's last act: nothing left to write, no second refusal
        List<byte[]> back = replay(s);
        assertEquals(kept, back.size(), "every whole page kept comes back, none after");
        for (int i = 0; i < kept; i++) {
            assertArrayEquals(committed.get(i), back.get(i), "page " + i);
        }
        assertTrue(s.delete());
    }

    @Test
    void indexEntriesTheDiskRefusedAreReplayedFromMemory() throws Exception {
        // the index has room for 100.5 entries: the second batch's index write stops inside entry 101
        Disk disk = new Disk(100L * PageSpool.INDEX_ENTRY + 8, ".idx");
        PageSpool s = spool("i.spool", disk);
        PageSpool.Writer w = s.writer(0);
        List<byte[]> committed = new ArrayList<>();
        DiskFullException e = commitUntilFull(w, 3 * PageSpool.BATCH, committed);
        assertTrue(e != null);
        assertEquals(2 * PageSpool.BATCH, committed.size());
        assertTrue(e.getMessage().startsWith("writing " + dir.resolve("i.spool.cpu0.idx") + ": "), e.getMessage());
        assertEquals(0, s.droppedPages(), "every page reached the disk: none is dropped");
        assertEquals(100L * PageSpool.INDEX_ENTRY, Files.size(dir.resolve("i.spool.cpu0.idx")),
                "the entry written in part is cut off");
        assertThrows(DiskFullException.class, w::flush, "still full: the entries stay in memory");
        List<byte[]> back = replay(s);
        assertEquals(committed.size(), back.size(), "the 28 entries in memory are read after the file's 100");
        for (int i = 0; i < back.size(); i++) {
            assertArrayEquals(committed.get(i), back.get(i), "page " + i);
        }
        assertTrue(s.delete());
    }

    /** splice(2) refused after 2.5 of the 4 pages it took from the kernel: 2 are kept, 2 dropped. */
    @Test
    void aSpliceRefusedInPartKeepsItsWholePages() throws Exception {
        PageSpool s = spool("s.spool", new Disk(Long.MAX_VALUE, "none"));
        PageSpool.Writer w = s.writer(0);
        List<byte[]> expected = new ArrayList<>();
        try (FileChannel kernel = FileChannel.open(w.pagesPath(), java.nio.file.StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(3 * PAGE);
            for (int i = 0; i < 3; i++) {
                b.put(page(i));
                expected.add(page(i));
            }
            kernel.write(b.flip(), w.pagesEnd());
            w.spliced(3 * PAGE, 1000); // one splice, three pages: read at the same time
            ByteBuffer refused = ByteBuffer.allocate(PAGE * 5 / 2);
            refused.put(page(3)).put(page(4)).put(Arrays.copyOf(page(5), PAGE / 2));
            kernel.write(refused.flip(), w.pagesEnd());
            expected.add(page(3));
            expected.add(page(4));
        }
        DiskFullException e = new DiskFullException("writing " + w.pagesPath() + ": No space left on device",
                PAGE * 5L / 2, 4L * PAGE, null);
        assertThrows(DiskFullException.class, () -> w.spliceRefused(e, 1001));
        assertEquals(2, s.droppedPages());
        assertEquals(5, s.pages());
        assertEquals(5L * PAGE, Files.size(w.pagesPath()), "the half page is cut off");
        w.flush();
        List<byte[]> back = new ArrayList<>();
        try (PageSpool.Replay r = s.replay()) {
            Page p = new Page(PAGE);
            while (r.next(p)) {
                back.add(Arrays.copyOf(p.data, p.length));
            }
        }
        assertEquals(expected.size(), back.size());
        for (int i = 0; i < back.size(); i++) {
            assertArrayEquals(expected.get(i), back.get(i), "page " + i);
        }
        assertTrue(s.delete());
    }

    /** The replay frees each batch's blocks once read: compressing the spool needs no room beyond it. */
    @Test
    void theReplayGivesTheSpoolsBlocksBackAsItReads() throws Exception {
        PageSpool s = spool("r.spool", new Disk(Long.MAX_VALUE, "none"));
        PageSpool.Writer w = s.writer(0);
        List<byte[]> committed = new ArrayList<>();
        assertNull(commitUntilFull(w, 4 * PageSpool.BATCH, committed));
        w.flush();
        Path pages = dir.resolve("r.spool.cpu0");
        long before = allocatedBytes(pages);
        assertTrue(before >= 4L * PageSpool.BATCH * PAGE, "written: " + before);
        HolePunch probe = HolePunch.open(pages);
        if (probe == null) {
            System.err.println("HOLE PUNCH NOT CHECKED: this JDK cannot call fallocate(2)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(probe != null, "fallocate(2) through the JDK");
        probe.close();
        try (PageSpool.Replay r = s.replay()) {
            Page p = new Page(PAGE);
            int n = 0;
            while (r.next(p)) {
                assertArrayEquals(committed.get(n), Arrays.copyOf(p.data, p.length), "page " + n);
                n++;
                if (n == 2 * PageSpool.BATCH + 1) {
                    // three batches read into memory by now: their blocks are free, the file as long as it was
                    long mid = allocatedBytes(pages);
                    assertTrue(mid <= before - 2L * PageSpool.BATCH * PAGE, before + " -> " + mid);
                    assertEquals(4L * PageSpool.BATCH * PAGE, Files.size(pages));
                }
            }
            assertEquals(committed.size(), n);
        }
        assertTrue(allocatedBytes(pages) < PAGE * 2L, "every block given back: " + allocatedBytes(pages));
        assertTrue(s.delete());
    }

    /** Bytes the file system holds for {@code p} (stat(1)'s 512-byte blocks). */
    private static long allocatedBytes(Path p) throws Exception {
        Process pr = new ProcessBuilder("stat", "-c", "%b", p.toString()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes()).strip();
        assertEquals(0, pr.waitFor(), out);
        return Long.parseLong(out) * 512;
    }
}
