package pooltag.linux.kmem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import pooltag.core.error.PooltagException;
import pooltag.core.io.PrivateFiles;

/**
 * Raw pages kept on disk while tracing, per CPU, to be read back in read order once tracing stopped
 * ({@code record}: compression happens after the run, as trace-cmd does; docs/PERFORMANCE.md, issue 14).
 *
 * <p>Files, next to the recording and like it created 0600, exclusively, without following symlinks (they hold raw
 * heap pointers): {@code PREFIX.cpuN} holds the pages, one whole sub-buffer slot of {@code pageSize} bytes each, in
 * the order read (page-aligned: a slot is what read(2) of {@code trace_pipe_raw} returned, unused tail included);
 * {@code PREFIX.cpuN.idx} holds one 16-byte entry per page: u64 CLOCK_MONOTONIC ns when it was read, u32 bytes read,
 * u32 0 (little-endian). A reader reads {@link #BATCH} pages straight into one direct buffer (the kernel's copy) and
 * writes them with one write(2): no copy in Java, no per-event work. {@link #delete} removes every file.
 *
 * <p>A full disk (ENOSPC, EDQUOT) loses nothing already spooled: a write refused in part keeps the whole pages
 * that reached the file, cuts off a page written in part, and counts the rest as dropped ({@link #droppedPages});
 * index entries that cannot be written stay in memory and the replay reads them after the file's. The writer then
 * throws {@link DiskFullException}; its reader stops spooling. The replay gives each batch's blocks back to the file
 * system as soon as it has read it ({@link HolePunch}), so the recording can be written on the disk the spool filled.
 *
 * <p>Threads: each CPU's {@link Writer} belongs to that CPU's reader; {@link #replay} runs once every writer is
 * flushed (after the readers ended).
 */
public final class PageSpool implements AutoCloseable {
    /** Pages per write(2) or splice(2): 256 KiB with 4 KiB pages. */
    static final int BATCH = 64;
    /** Index entries per write(2) of the index (16 KiB). */
    static final int INDEX_BATCH = 1024;
    /** Bytes per index entry. */
    static final int INDEX_ENTRY = 16;

    private final Path prefix;
    private final int pageSize;
    private final Writer[] writers;
    private boolean deleted;

    private PageSpool(Path prefix, int cpus, int pageSize) {
        this.prefix = prefix;
        this.pageSize = pageSize;
        this.writers = new Writer[cpus];
    }

    /**
     * Creates the spool files of {@code cpus} CPUs ({@code PREFIX.cpuN}, {@code PREFIX.cpuN.idx}); on any failure
     * removes those already made.
     *
     * @throws PooltagException one line naming the file that exists or cannot be created
     */
    public static PageSpool create(Path prefix, int cpus, int pageSize) {
        return create(prefix, cpus, pageSize, java.util.function.UnaryOperator.identity());
    }

    /**
     * As {@link #create(Path, int, int)}, writing through {@code wrap} of each file's channel (tests: a disk that
     * fills).
     */
    static PageSpool create(Path prefix, int cpus, int pageSize, java.util.function.UnaryOperator<FileChannel> wrap) {
        PageSpool s = new PageSpool(prefix, cpus, pageSize);
        try {
            for (int c = 0; c < cpus; c++) {
                s.writers[c] = new Writer(s, c, wrap);
            }
        } catch (RuntimeException e) {
            s.delete();
            throw e;
        }
        return s;
    }

    Path pagesFile(int cpu) {
        return prefix.resolveSibling(prefix.getFileName() + ".cpu" + cpu);
    }

    Path indexFile(int cpu) {
        return prefix.resolveSibling(prefix.getFileName() + ".cpu" + cpu + ".idx");
    }

    public Writer writer(int cpu) {
        return writers[cpu];
    }

    public int cpus() {
        return writers.length;
    }

    /** Pages spooled, all CPUs (flushed or not). */
    public long pages() {
        long n = 0;
        for (Writer w : writers) {
            n += w == null ? 0 : w.pages;
        }
        return n;
    }

    /** Bytes in the spool files, all CPUs (pages and index, flushed). */
    public long bytes() {
        long n = 0;
        for (Writer w : writers) {
            n += w == null ? 0 : w.bytes;
        }
        return n;
    }

    /** Pages that could not be kept because the disk was full, all CPUs (their events are lost, and counted so). */
    public long droppedPages() {
        long n = 0;
        for (Writer w : writers) {
            n += w == null ? 0 : w.droppedPages;
        }
        return n;
    }

    /** The first full-disk refusal of any CPU's spool ("writing FILE: No space left on device"), or null. */
    public String fullCause() {
        for (Writer w : writers) {
            if (w != null && w.fullCause != null) {
                return w.fullCause;
            }
        }
        return null;
    }

    /** One CPU's spool: its reader's only state besides the pipe. Not thread-safe (one reader). */
    public static final class Writer {
        private final Path pagesPath;
        private final Path indexPath;
        private final int pageSize;
        private final FileChannel pagesCh;
        private final FileChannel indexCh;
        private final ByteBuffer pageBuf;
        /**
         * Index entries not written yet; {@link #INDEX_BATCH} entries, grown (doubled) only while the disk refuses
         * them: the entries of pages in the file are never dropped (16 bytes a page of memory instead).
         */
        private ByteBuffer indexBuf;
        /** Pages read into {@link #pageBuf}, not written yet. */
        private int batched;
        /** Index entries in {@link #indexBuf}, not written yet. */
        private int indexed;
        /** Volatile: a recording's wait loop reads them (its free-space guard) while this writer's reader writes. */
        private volatile long pages;
        private volatile long bytes;
        /** Bytes in the pages file: where the next batch goes, read or spliced. */
        private long pagesEnd;
        /** Pages this CPU could not keep because the disk was full (read or moved from the kernel, not in the file). */
        private volatile long droppedPages;
        /** The first full-disk refusal ({@link DiskFullException}'s message), or null. */
        private volatile String fullCause;

        private Writer(PageSpool s, int cpu, java.util.function.UnaryOperator<FileChannel> wrap) {
            this.pageSize = s.pageSize;
            this.pagesPath = s.pagesFile(cpu);
            this.indexPath = s.indexFile(cpu);
            this.pagesCh = wrap.apply(PrivateFiles.createChannel(pagesPath));
            FileChannel idx;
            try {
                idx = wrap.apply(PrivateFiles.createChannel(indexPath));
            } catch (RuntimeException e) {
                closeQuietly(pagesCh);
                try {
                    Files.deleteIfExists(pagesPath); // made just above: ours
                } catch (IOException ignored) {
                    // the creation error is the one to report
                }
                throw e;
            }
            this.indexCh = idx;
            this.pageBuf = ByteBuffer.allocateDirect(BATCH * pageSize);
            this.indexBuf = ByteBuffer.allocateDirect(INDEX_BATCH * INDEX_ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The pages file, for a reader that splices into it ({@link RawPipe#splicer}) at {@link #pagesEnd()}. */
        public Path pagesPath() {
            return pagesPath;
        }

        /** Bytes in the pages file so far: where spliced pages go next. */
        public long pagesEnd() {
            return pagesEnd;
        }

        /** Where the next page is read to: {@link #buffer()} at this offset, {@code pageSize} bytes of room. */
        public int slot() {
            return batched * pageSize;
        }

        /** The direct buffer pages are read into (its position and limit belong to the reader). */
        public ByteBuffer buffer() {
            return pageBuf;
        }

        /**
         * Keeps the page just read into {@link #slot()} ({@code length} bytes, read at {@code readNanos}); writes the
         * batch when it is full.
         *
         * @throws PooltagException a failed write (a full disk), one line naming the spool file: the caller ends the
         *                          session with it
         */
        public void commit(int length, long readNanos) {
            index(length, readNanos);
            batched++;
            if (batched == BATCH || indexed >= INDEX_BATCH) {
                flush();
            }
        }

        /**
         * Counts {@code bytes} of whole pages the kernel just wrote at {@link #pagesEnd()} (splice(2), read at
         * {@code readNanos}). Only with no read page waiting in the buffer (it belongs before them).
         */
        public void spliced(int bytes, long readNanos) {
            if (batched != 0 || bytes % pageSize != 0) {
                throw new IllegalStateException("spliced " + bytes + " bytes with " + batched + " read pages pending");
            }
            for (int i = bytes / pageSize; i > 0; i--) {
                index(pageSize, readNanos);
            }
            pagesEnd += bytes;
            this.bytes += bytes;
            if (indexed >= INDEX_BATCH) {
                flushIndex(); // after indexing every page the file holds: a refusal keeps their entries in memory
            }
        }

        /**
         * A splice(2) the disk refused ({@code e}, moved from the kernel at {@code readNanos}): keeps the whole pages
         * that reached the file, cuts off one that reached it in part, counts the rest as dropped, and throws
         * {@code e} on. Only with no read page waiting in the buffer (as {@link #spliced}).
         */
        public void spliceRefused(DiskFullException e, long readNanos) {
            int kept = (int) (e.bytesWritten() / pageSize);
            long moved = e.bytesMoved() / pageSize;
            for (int i = 0; i < kept; i++) {
                index(pageSize, readNanos);
            }
            pagesEnd += (long) kept * pageSize;
            bytes += (long) kept * pageSize;
            truncate(pagesCh, pagesEnd); // a page written in part is no page
            droppedPages += Math.max(0, moved - kept);
            refused(e.getMessage());
            throw e;
        }

        /** The first refusal is the cause said ({@link #fullCause}). */
        private void refused(String cause) {
            if (fullCause == null) {
                fullCause = cause;
            }
        }

        /** True once a write of this CPU's spool was refused for a full disk. */
        public boolean full() {
            return fullCause != null;
        }

        private void index(int length, long readNanos) {
            if (indexed * INDEX_ENTRY == indexBuf.capacity()) {
                // only after a refused index write (INDEX_BATCH entries are written as they fill otherwise)
                ByteBuffer grown = ByteBuffer.allocateDirect(indexBuf.capacity() * 2).order(ByteOrder.LITTLE_ENDIAN);
                grown.put(0, indexBuf, 0, indexed * INDEX_ENTRY);
                indexBuf = grown;
            }
            indexBuf.putLong(indexed * INDEX_ENTRY, readNanos);
            indexBuf.putInt(indexed * INDEX_ENTRY + 8, length);
            indexBuf.putInt(indexed * INDEX_ENTRY + 12, 0);
            indexed++;
            pages++;
        }

        /** Writes the pages read so far (whole slots, at the end of the pages file) and every pending index entry. */
        public void flush() {
            flushPages();
            flushIndex();
        }

        /** Writes the pages read so far (whole slots, at the end of the pages file); their index entries wait. */
        public void flushPages() {
            if (batched > 0) {
                ByteBuffer b = pageBuf.limit(batched * pageSize).position(0);
                long start = pagesEnd;
                try {
                    while (b.hasRemaining()) {
                        pagesEnd += pagesCh.write(b, pagesEnd);
                    }
                } catch (IOException e) {
                    if (!DiskFullException.isDiskFull(e)) {
                        throw new PooltagException("writing " + pagesPath + ": " + e.getMessage(), e);
                    }
                    // keep the whole pages that reached the file; the others' index entries are the last pending ones
                    int kept = b.position() / pageSize;
                    int lost = batched - kept;
                    pagesEnd = start + (long) kept * pageSize;
                    truncate(pagesCh, pagesEnd);
                    indexed -= lost;
                    pages -= lost;
                    droppedPages += lost;
                    bytes += (long) kept * pageSize;
                    batched = 0;
                    String cause = "writing " + pagesPath + ": " + e.getMessage();
                    refused(cause);
                    throw new DiskFullException(cause, 0, 0, e);
                }
                bytes += (long) batched * pageSize;
                batched = 0;
            }
        }

        private void flushIndex() {
            if (indexed == 0) {
                return;
            }
            ByteBuffer b = indexBuf.limit(indexed * INDEX_ENTRY).position(0);
            try {
                while (b.hasRemaining()) {
                    indexCh.write(b);
                }
            } catch (IOException e) {
                if (!DiskFullException.isDiskFull(e)) {
                    throw new PooltagException("writing " + indexPath + ": " + e.getMessage(), e);
                }
                // the entries written stay (an entry written in part is cut off); the rest wait in memory, where the
                // replay reads them after the file's: their pages are in the pages file, nothing is dropped
                int written = b.position() / INDEX_ENTRY;
                try {
                    truncate(indexCh, indexCh.size() - b.position() % INDEX_ENTRY);
                } catch (IOException ignored) {
                    // size() of an open file does not fail; the replay checks the index is whole entries
                }
                indexBuf.limit(indexBuf.capacity()).position(0);
                indexBuf.put(0, indexBuf, written * INDEX_ENTRY, (indexed - written) * INDEX_ENTRY);
                indexed -= written;
                bytes += (long) written * INDEX_ENTRY;
                String cause = "writing " + indexPath + ": " + e.getMessage();
                refused(cause);
                throw new DiskFullException(cause, 0, 0, e);
            }
            bytes += (long) indexed * INDEX_ENTRY;
            indexed = 0;
        }

        /** The index entries no write has kept (a full disk), for the replay: a read-only copy. */
        private ByteBuffer pendingIndex() {
            ByteBuffer copy = ByteBuffer.allocate(indexed * INDEX_ENTRY).order(ByteOrder.LITTLE_ENDIAN);
            copy.put(0, indexBuf, 0, indexed * INDEX_ENTRY);
            return copy;
        }

        public long pages() {
            return pages;
        }

        /** Pages this CPU could not keep because the disk was full. */
        public long droppedPages() {
            return droppedPages;
        }

        private void close() {
            closeQuietly(pagesCh);
            closeQuietly(indexCh);
        }
    }

    /**
     * Reads every CPU's pages back in the order they were read across CPUs (by read time; a CPU's own order on ties),
     * once every writer has been flushed (entries a full disk refused are read from memory after the file's). Each
     * batch of pages is punched out of its file once read into memory ({@link HolePunch}): the replay frees the spool's
     * blocks as it goes, so the recording it feeds fits on a disk the spool filled. The spool is then only good for
     * {@link #delete}.
     */
    public Replay replay() throws IOException {
        return new Replay(this);
    }

    /** The spooled pages in read order; {@link #next} fills a caller's page. Closes its files on {@link #close}. */
    public static final class Replay implements AutoCloseable {
        private final int pageSize;
        private final FileChannel[] pagesCh;
        private final FileChannel[] indexCh;
        private final ByteBuffer[] pageBuf;
        private final ByteBuffer[] indexBuf;
        /** Per CPU: the index entries no write kept (a full disk), read after the index file's; empty normally. */
        private final ByteBuffer[] indexTail;
        /** Per CPU: frees pages already read; null where the file system or JDK cannot. */
        private final HolePunch[] punch;
        /** Per CPU: bytes of the pages file read so far (the next batch starts here). */
        private final long[] pagesRead;
        /** Per CPU: read time of the next page, Long.MAX_VALUE when that CPU is done. */
        private final long[] head;
        private final int[] headLength;

        private Replay(PageSpool s) throws IOException {
            int cpus = s.writers.length;
            pageSize = s.pageSize;
            pagesCh = new FileChannel[cpus];
            indexCh = new FileChannel[cpus];
            pageBuf = new ByteBuffer[cpus];
            indexBuf = new ByteBuffer[cpus];
            indexTail = new ByteBuffer[cpus];
            punch = new HolePunch[cpus];
            pagesRead = new long[cpus];
            head = new long[cpus];
            headLength = new int[cpus];
            try {
                for (int c = 0; c < cpus; c++) {
                    pagesCh[c] = FileChannel.open(s.pagesFile(c), StandardOpenOption.READ,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    indexCh[c] = FileChannel.open(s.indexFile(c), StandardOpenOption.READ,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    pageBuf[c] = ByteBuffer.allocateDirect(BATCH * pageSize).limit(0);
                    indexBuf[c] = ByteBuffer.allocateDirect(BATCH * INDEX_ENTRY).order(ByteOrder.LITTLE_ENDIAN)
                            .limit(0);
                    indexTail[c] = s.writers[c].pendingIndex();
                    punch[c] = HolePunch.open(s.pagesFile(c));
                    advance(c);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        /** Loads CPU {@code c}'s next index entry into {@link #head}; its page stays in its buffer. */
        private void advance(int c) throws IOException {
            ByteBuffer ix = indexBuf[c];
            if (!ix.hasRemaining()) {
                ix.clear();
                fill(indexCh[c], ix);
                ByteBuffer tail = indexTail[c];
                if (ix.hasRemaining() && tail.hasRemaining()) { // the file's entries are all read: memory's next
                    int n = Math.min(ix.remaining(), tail.remaining());
                    ix.put(ix.position(), tail, tail.position(), n).position(ix.position() + n);
                    tail.position(tail.position() + n);
                }
                ix.flip();
                if (ix.remaining() % INDEX_ENTRY != 0) {
                    throw new IOException("spool index of cpu" + c + " is cut inside an entry");
                }
                ByteBuffer pb = pageBuf[c].clear();
                pb.limit(ix.remaining() / INDEX_ENTRY * pageSize);
                fill(pagesCh[c], pb);
                if (pb.hasRemaining()) {
                    throw new IOException("spool of cpu" + c + " holds fewer pages than its index");
                }
                pb.flip();
                if (punch[c] != null) {
                    punch[c].punch(pagesRead[c], pb.remaining()); // in memory now: the file's copy is not needed
                }
                pagesRead[c] += pb.remaining();
            }
            if (!ix.hasRemaining()) {
                head[c] = Long.MAX_VALUE;
                return;
            }
            head[c] = ix.getLong();
            headLength[c] = ix.getInt();
            ix.getInt();
            if (headLength[c] <= 0 || headLength[c] > pageSize) {
                throw new IOException("spool index of cpu" + c + ": page length " + headLength[c]);
            }
        }

        private static void fill(FileChannel ch, ByteBuffer b) throws IOException {
            while (b.hasRemaining() && ch.read(b) > 0) {
                // until full or end of file
            }
        }

        /** Fills {@code p} (capacity at least a page) with the next page in read order; false when none is left. */
        public boolean next(Page p) throws IOException {
            int best = -1;
            for (int c = 0; c < head.length; c++) {
                if (head[c] != Long.MAX_VALUE && (best < 0 || head[c] < head[best])) {
                    best = c;
                }
            }
            if (best < 0) {
                return false;
            }
            ByteBuffer pb = pageBuf[best];
            int at = pb.position();
            pb.get(at, p.data, 0, headLength[best]);
            pb.position(at + pageSize);
            p.length = headLength[best];
            p.cpu = best;
            p.readNanos = head[best];
            p.sourceOffset = -1;
            advance(best);
            return true;
        }

        @Override
        public void close() {
            for (int c = 0; c < pagesCh.length; c++) {
                closeQuietly(pagesCh[c]);
                closeQuietly(indexCh[c]);
                if (punch[c] != null) {
                    punch[c].close();
                }
            }
        }
    }

    /** Closes every writer (their unflushed pages are dropped). Idempotent. */
    @Override
    public void close() {
        for (Writer w : writers) {
            if (w != null) {
                w.close();
            }
        }
    }

    /** Closes and removes every spool file this spool created (never one it found there); true when all are gone. Idempotent. */
    public boolean delete() {
        close();
        if (deleted) {
            return true;
        }
        boolean ok = true;
        for (int c = 0; c < writers.length; c++) {
            if (writers[c] == null) {
                continue; // not created by this spool (creation stopped before it)
            }
            for (Path p : new Path[] {pagesFile(c), indexFile(c)}) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    ok = false;
                }
            }
        }
        deleted = ok;
        return ok;
    }

    /**
     * Shortens {@code ch} to {@code size} bytes (needs no room: it is how a write refused in part is cut back to whole
     * pages or entries); a failure leaves the tail, which the replay never reads (it reads what the index names).
     */
    private static void truncate(FileChannel ch, long size) {
        try {
            ch.truncate(size);
        } catch (IOException ignored) {
            // see above
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing only
        }
    }
}
