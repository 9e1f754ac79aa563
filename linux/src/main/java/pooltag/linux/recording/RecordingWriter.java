package pooltag.linux.recording;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;

import pooltag.core.error.PooltagException;
import pooltag.core.io.PrivateFiles;
import pooltag.linux.kmem.Page;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.Le;

/**
 * Writes a recording (see {@link RecordingFormat}), version 3. Single writer thread. By default it gathers pages
 * into blocks of about {@link RecordingFormat#CHUNK_RAW} bytes and compresses each with zstd; uncompressed, it writes
 * one PAGE block per page. Buffered; {@link #flushIfDue} pushes everything (a partial block included) to the file at
 * most once a second, so a killed recorder loses at most about a second of pages.
 *
 * <p>The file is created 0600, exclusively and without following symlinks ({@link PrivateFiles}): it holds the
 * recorded machine's kallsyms (its KASLR base) and raw heap pointers.
 */
public final class RecordingWriter implements AutoCloseable {
    private final String name;
    private final HeaderPage layout;
    private final OutputStream out;
    private final byte[] header = new byte[RecordingFormat.BLOCK_HEADER_SIZE];
    private final byte[] pagePrefix = new byte[8];
    private final CRC32 crc = new CRC32();
    private long bytes;
    private long pages;
    private long rawPageBytes;
    private long lastFlush = System.nanoTime();
    private boolean closed;
    /**
     * Guards what reaches {@link #out} ({@link #emit}, the flushes, {@link #close}, {@link #cut}): a block is written
     * whole or not at all as seen by {@link #cut}, which comes from another thread (a signal). Compression runs
     * outside it.
     */
    private final Object outLock = new Object();
    /** Pages in the blocks written to {@link #out} (not those still being gathered): what a cut file holds. */
    private long pagesInBlocks;
    /** The kind of the last block written, 0 before any. */
    private int lastKind;
    /** Set by {@link #cut}: every later write fails, so nothing follows the last whole block. */
    private boolean cutOff;

    // compressed: the block being gathered (entries of 16-byte header + trimmed page) and its compressed form
    private final ZstdCompressCtx zstd;
    private final byte[] chunk;
    private final byte[] packed;
    private int chunkLen;
    private int chunkPages;

    public RecordingWriter(Path path) {
        this(path, HeaderPage.DEFAULT_4K);
    }

    /** @param header the session's page layout, used to trim each page to its committed bytes */
    public RecordingWriter(Path path, HeaderPage header) {
        this(path, header, true);
    }

    /**
     * @param compress pages in zstd blocks; false (or no zstd library here) writes one PAGE block per page. Either way
     *                 the file is version 3: each CRC-32 covers its block header too.
     */
    public RecordingWriter(Path path, HeaderPage header, boolean compress) {
        this(new BufferedOutputStream(PrivateFiles.create(path), 1 << 20), path.toString(), header, compress);
    }

    /** A recording into any stream (tests and fuzzers build recordings in memory); closes it on {@link #close}. */
    public RecordingWriter(OutputStream out, String name, HeaderPage header, boolean compress) {
        this.name = name;
        this.layout = header;
        this.out = out;
        ZstdCompressCtx z = compress ? ZstdCodec.compressorOrNull() : null;
        this.zstd = z;
        int cap = Math.max(RecordingFormat.CHUNK_RAW, RecordingFormat.CHUNK_ENTRY_HEADER + header.pageSize());
        this.chunk = z != null ? new byte[cap] : null;
        this.packed = z != null ? new byte[RecordingFormat.CHUNK_HEADER + (int) Zstd.compressBound(cap)] : null;
        byte[] fh = new byte[RecordingFormat.FILE_HEADER_SIZE];
        System.arraycopy(RecordingFormat.MAGIC, 0, fh, 0, 8);
        Le.putI32(fh, 8, RecordingFormat.VERSION);
        Le.putI32(fh, 12, 0); // no flags are defined in version 3
        try {
            out.write(fh);
        } catch (IOException e) {
            throw new PooltagException("cannot write " + name + ": " + e.getMessage(), e);
        }
        bytes = fh.length;
    }

    /** Pages go in zstd blocks: false when asked not to or when the zstd library cannot load here. */
    public boolean compressed() {
        return zstd != null;
    }

    public void writeMeta(Map<String, String> meta) {
        writeFacts(RecordingFormat.META, meta);
    }

    /** A text block of {@code key=value} lines (META, RUN). */
    public void writeFacts(int kind, Map<String, String> facts) {
        StringBuilder sb = new StringBuilder();
        facts.forEach((k, v) -> sb.append(k).append('=').append(v.replace('\n', ' ')).append('\n'));
        writeText(kind, -1, sb.toString());
    }

    public void writeText(int kind, int cpu, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        writeBlock(kind, cpu, b, 0, b.length, null);
    }

    /** A block of {@code text}'s gzip (KALLSYMS_GZ). */
    public void writeGzip(int kind, String text) {
        byte[] b = gzip(0, text);
        writeBlock(kind, -1, b, 0, b.length, null);
    }

    /**
     * {@code prefix} zero bytes (for the caller to fill), then the gzip of {@code text} (Latin-1: kernel text files).
     * Any thread.
     */
    static byte[] gzip(int prefix, String text) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream(prefix + text.length() / 4);
        bo.writeBytes(new byte[prefix]);
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(text.getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new IllegalStateException(e); // in-memory stream
        }
        return bo.toByteArray();
    }

    /**
     * A SLABINFO_SAMPLE payload: u64 {@code nanos} (CLOCK_MONOTONIC when read), then the gzip of {@code /proc/slabinfo}'s
     * text (about 6 KiB instead of 35). Any thread: the sampling thread compresses, the writer only writes.
     */
    public static byte[] samplePayload(long nanos, String slabinfo) {
        byte[] b = gzip(8, slabinfo);
        Le.putI64(b, 0, nanos);
        return b;
    }

    /** A SLABINFO_SAMPLE block of a payload made by {@link #samplePayload}. */
    public void writeSample(byte[] payload) {
        writeBlock(RecordingFormat.SLABINFO_SAMPLE, -1, payload, 0, payload.length, null);
    }

    /** A SLABINFO_SAMPLE block of {@code slabinfo} read at {@code nanos} (tests and tools). */
    public void writeSample(long nanos, String slabinfo) {
        writeSample(samplePayload(nanos, slabinfo));
    }

    /** A CGROUPS block of entries the caller encoded ({@link CgroupLog}). */
    public void writeCgroups(byte[] entries, int length) {
        writeBlock(RecordingFormat.CGROUPS, -1, entries, 0, length, null);
    }

    /** A KALLSYMS_GZ block whose gzip bytes the caller made (tests and tools). */
    public void writeGzipPayload(byte[] gzipped) {
        writeBlock(RecordingFormat.KALLSYMS_GZ, -1, gzipped, 0, gzipped.length, null);
    }

    /** A block as given (copying a recording block by block into another page packing). */
    void writeRawBlock(int kind, int cpu, byte[] payload) {
        writeBlock(kind, cpu, payload, 0, payload.length, null);
    }

    public void writeLongs(int kind, long... values) {
        byte[] b = new byte[8 * values.length];
        for (int i = 0; i < values.length; i++) {
            Le.putI64(b, 8 * i, values[i]);
        }
        writeBlock(kind, -1, b, 0, b.length, null);
    }

    /**
     * One raw page, without its unused tail: the header, the committed data and, when the header says so, the
     * stored lost-events count (readers take a short page as a page whose rest is empty). No allocation.
     */
    public void writePage(Page p) {
        int len = p.length;
        if (len >= layout.dataOffset()) {
            long commit = layout.commitSize() == 8 ? Le.i64(p.data, layout.commitOffset())
                    : Le.u32(p.data, layout.commitOffset());
            long used = layout.dataOffset() + (commit & HeaderPage.COMMIT_SIZE_MASK)
                    + ((commit & HeaderPage.MISSED_STORED) != 0 ? 8 : 0);
            if (used < len) {
                len = (int) used;
            }
        }
        len = Math.min(len, layout.pageSize());
        rawPageBytes += len;
        if (zstd == null) {
            Le.putI64(pagePrefix, 0, p.readNanos);
            writeBlock(RecordingFormat.PAGE, p.cpu, p.data, 0, len, pagePrefix);
        } else {
            if (chunkLen + RecordingFormat.CHUNK_ENTRY_HEADER + len > chunk.length) {
                flushChunk();
            }
            Le.putI32(chunk, chunkLen, p.cpu);
            Le.putI32(chunk, chunkLen + 4, len);
            Le.putI64(chunk, chunkLen + 8, p.readNanos);
            System.arraycopy(p.data, 0, chunk, chunkLen + RecordingFormat.CHUNK_ENTRY_HEADER, len);
            chunkLen += RecordingFormat.CHUNK_ENTRY_HEADER + len;
            chunkPages++;
        }
        pages++;
        flushIfDue();
    }

    /** Compresses the gathered pages into one PAGES_ZSTD block (nothing when none are gathered). */
    private void flushChunk() {
        if (zstd == null || chunkPages == 0) {
            return;
        }
        int n = zstd.compressByteArray(packed, RecordingFormat.CHUNK_HEADER,
                packed.length - RecordingFormat.CHUNK_HEADER, chunk, 0, chunkLen);
        Le.putI32(packed, 0, chunkLen);
        Le.putI32(packed, 4, chunkPages);
        int pagesPacked = chunkPages;
        chunkLen = 0;
        chunkPages = 0;
        emit(RecordingFormat.PAGES_ZSTD, -1, packed, 0, RecordingFormat.CHUNK_HEADER + n, null, pagesPacked);
    }

    private void writeBlock(int kind, int cpu, byte[] b, int off, int len, byte[] prefix) {
        if (kind != RecordingFormat.PAGE) {
            flushChunk(); // blocks stay in the order they were written
        }
        emit(kind, cpu, b, off, len, prefix, kind == RecordingFormat.PAGE ? 1 : 0);
    }

    private void emit(int kind, int cpu, byte[] b, int off, int len, byte[] prefix, int pagesIn) {
        int plen = prefix == null ? 0 : prefix.length;
        Le.putI32(header, 0, kind);
        Le.putI32(header, 4, cpu);
        Le.putI32(header, 8, len + plen);
        crc.reset();
        crc.update(header, 0, RecordingFormat.BLOCK_HEADER_CRC_SPAN); // version 3: the header is under the CRC
        if (prefix != null) {
            crc.update(prefix, 0, plen);
        }
        crc.update(b, off, len);
        Le.putI32(header, 12, (int) crc.getValue());
        synchronized (outLock) {
            refuseIfCut();
            try {
                out.write(header);
                if (prefix != null) {
                    out.write(prefix, 0, plen);
                }
                out.write(b, off, len);
            } catch (IOException e) {
                throw new PooltagException("writing " + name + " at byte " + bytes + ": " + e.getMessage(), e);
            }
            bytes += header.length + plen + len;
            pagesInBlocks += pagesIn;
            lastKind = kind;
        }
    }

    private void refuseIfCut() {
        if (cutOff) {
            throw new PooltagException(name + " was abandoned (cut after its last whole block, on a third stop"
                    + " signal); nothing more is written to it");
        }
    }

    /**
     * What a file holds once {@link #cut}.
     *
     * @param bytes    bytes on disk, all in whole blocks
     * @param pages    pages in those blocks
     * @param complete its last block is END (the cut came after the file was finished)
     */
    public record Cut(long bytes, long pages, boolean complete) {
    }

    /**
     * Ends the file where it stands, from any thread: the whole blocks written so far go to disk and the file is
     * closed; pages still being gathered are dropped and every later write fails. The zstd context stays open (the
     * writing thread may be compressing with it); the process is about to exit.
     */
    public Cut cut() {
        synchronized (outLock) {
            if (!closed) {
                closed = true;
                cutOff = true;
                try {
                    out.flush();
                    out.close();
                } catch (IOException e) {
                    throw new PooltagException("cutting " + name + " at byte " + bytes + ": " + e.getMessage(), e);
                }
            }
            return new Cut(bytes, pagesInBlocks, lastKind == RecordingFormat.END);
        }
    }

    /** Pushes everything written so far (a partial page block included) to the file. */
    public void flush() {
        lastFlush = System.nanoTime();
        flushChunk();
        synchronized (outLock) {
            refuseIfCut();
            try {
                out.flush();
            } catch (IOException e) {
                throw new PooltagException("writing " + name + ": " + e.getMessage(), e);
            }
        }
    }

    public void flushIfDue() {
        long now = System.nanoTime();
        if (now - lastFlush > 1_000_000_000L) {
            flush();
        }
    }

    public long pages() {
        return pages;
    }

    /** Bytes written to the file so far (blocks still being gathered are not counted until written). */
    public long bytes() {
        return bytes;
    }

    /** Page bytes before compression (trimmed pages, without block headers). */
    public long rawPageBytes() {
        return rawPageBytes;
    }

    @Override
    public void close() {
        synchronized (outLock) {
            if (closed) {
                return; // closed, or cut: a cut file keeps its zstd context (see cut)
            }
        }
        try {
            flushChunk();
            synchronized (outLock) {
                if (closed) {
                    return; // cut meanwhile
                }
                closed = true;
                out.close();
            }
        } catch (IOException e) {
            throw new PooltagException("closing " + name + ": " + e.getMessage(), e);
        } finally {
            synchronized (outLock) {
                if (zstd != null && !cutOff) {
                    zstd.close();
                }
            }
        }
    }
}
