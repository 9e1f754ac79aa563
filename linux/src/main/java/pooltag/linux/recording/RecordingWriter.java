package pooltag.linux.recording;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.Page;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.Le;

/**
 * Writes a recording (see {@link RecordingFormat}). Single writer thread. Buffered; {@link #flushIfDue} pushes the
 * buffer to the file at most once a second so a killed recorder loses at most about a second of pages.
 */
public final class RecordingWriter implements AutoCloseable {
    private final Path path;
    private final HeaderPage layout;
    private final OutputStream out;
    private final byte[] header = new byte[RecordingFormat.BLOCK_HEADER_SIZE];
    private final byte[] pagePrefix = new byte[8];
    private final CRC32 crc = new CRC32();
    private long bytes;
    private long pages;
    private long lastFlush = System.nanoTime();
    private boolean closed;

    public RecordingWriter(Path path) {
        this(path, HeaderPage.DEFAULT_4K);
    }

    /** @param header the session's page layout, used to trim each page to its committed bytes */
    public RecordingWriter(Path path, HeaderPage header) {
        this.path = path;
        this.layout = header;
        try {
            this.out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20);
            byte[] fh = new byte[RecordingFormat.FILE_HEADER_SIZE];
            System.arraycopy(RecordingFormat.MAGIC, 0, fh, 0, 8);
            Le.putI32(fh, 8, RecordingFormat.VERSION);
            Le.putI32(fh, 12, 0);
            out.write(fh);
            bytes = fh.length;
        } catch (IOException e) {
            throw new PooltagException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    public void writeMeta(Map<String, String> meta) {
        StringBuilder sb = new StringBuilder();
        meta.forEach((k, v) -> sb.append(k).append('=').append(v.replace('\n', ' ')).append('\n'));
        writeText(RecordingFormat.META, -1, sb.toString());
    }

    public void writeText(int kind, int cpu, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        writeBlock(kind, cpu, b, 0, b.length, null);
    }

    public void writeGzip(int kind, String text) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream(text.length() / 4);
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(text.getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new IllegalStateException(e); // in-memory stream
        }
        byte[] b = bo.toByteArray();
        writeBlock(kind, -1, b, 0, b.length, null);
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
        Le.putI64(pagePrefix, 0, p.readNanos);
        int len = p.length;
        if (len >= layout.dataOffset()) {
            long commit = Le.i64(p.data, layout.commitOffset());
            long used = layout.dataOffset() + (commit & HeaderPage.COMMIT_SIZE_MASK)
                    + ((commit & HeaderPage.MISSED_STORED) != 0 ? 8 : 0);
            if (used < len) {
                len = (int) used;
            }
        }
        writeBlock(RecordingFormat.PAGE, p.cpu, p.data, 0, len, pagePrefix);
        pages++;
        flushIfDue();
    }

    private void writeBlock(int kind, int cpu, byte[] b, int off, int len, byte[] prefix) {
        int plen = prefix == null ? 0 : prefix.length;
        crc.reset();
        if (prefix != null) {
            crc.update(prefix, 0, plen);
        }
        crc.update(b, off, len);
        Le.putI32(header, 0, kind);
        Le.putI32(header, 4, cpu);
        Le.putI32(header, 8, len + plen);
        Le.putI32(header, 12, (int) crc.getValue());
        try {
            out.write(header);
            if (prefix != null) {
                out.write(prefix, 0, plen);
            }
            out.write(b, off, len);
        } catch (IOException e) {
            throw new PooltagException("writing " + path + " at byte " + bytes + ": " + e.getMessage(), e);
        }
        bytes += header.length + plen + len;
    }

    public void flushIfDue() {
        long now = System.nanoTime();
        if (now - lastFlush > 1_000_000_000L) {
            lastFlush = now;
            try {
                out.flush();
            } catch (IOException e) {
                throw new PooltagException("writing " + path + ": " + e.getMessage(), e);
            }
        }
    }

    public long pages() {
        return pages;
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw new PooltagException("closing " + path + ": " + e.getMessage(), e);
        }
    }
}
