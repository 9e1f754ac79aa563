package pooltag.linux.recording;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import com.github.luben.zstd.Zstd;

import pooltag.linux.kmem.Page;
import pooltag.linux.ring.Le;

/**
 * Hostile recordings for the readers' tests (linux and cli): a valid version 3 recording written by this pooltag's
 * {@link RecordingWriter}, then one block's content rewritten and its CRC-32 recomputed, as a buggy or hostile writer
 * that computed the CRC over bad bytes would leave it. The base is {@code real-pages.ptrec} (32 pages of a real 6.18
 * kernel, 2,740 events) rewritten block for block with its pages in {@link #CHUNKS} PAGES_ZSTD blocks of
 * {@link #PAGES_PER_CHUNK} pages each.
 */
public final class UndecodableBlocks {
    public static final int CHUNKS = 4;
    public static final int PAGES_PER_CHUNK = 8;

    private UndecodableBlocks() {
    }

    /** A block of a recording: where its header starts, its kind and payload length. */
    public record Block(int offset, int kind, int length) {
        public int end() {
            return offset + RecordingFormat.BLOCK_HEADER_SIZE + length;
        }
    }

    static byte[] realPages() throws Exception {
        try (InputStream in = UndecodableBlocks.class.getResourceAsStream("/real-pages.ptrec")) {
            return in.readAllBytes();
        }
    }

    /** real-pages.ptrec as this pooltag writes it (version 3), its pages in four PAGES_ZSTD blocks of eight. */
    public static byte[] sound() throws Exception {
        byte[] in = realPages();
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (RecordingReader r = RecordingReader.open("real-pages.ptrec", in)) {
            List<Page> pages = r.readPages();
            try (RecordingWriter w = new RecordingWriter(bo, "mem", r.schema().header(), true)) {
                int next = 0;
                for (Block b : blocks(in)) {
                    if (b.kind() == RecordingFormat.PAGE) {
                        w.writePage(pages.get(next++));
                        if (next % PAGES_PER_CHUNK == 0) {
                            w.flush(); // one PAGES_ZSTD block per eight pages
                        }
                    } else {
                        w.writeRawBlock(b.kind(), Le.i32(in, b.offset() + 4), payload(in, b));
                    }
                }
            }
        }
        byte[] out = bo.toByteArray();
        if (chunks(out).size() != CHUNKS) {
            // the writer also flushes once a second: a pause that long would split a block; say so, do not guess
            throw new IllegalStateException("expected " + CHUNKS + " PAGES_ZSTD blocks, the writer made "
                    + chunks(out).size());
        }
        return out;
    }

    /** Every block of {@code file}, in file order (a sound file: each header's length leads to the next). */
    public static List<Block> blocks(byte[] file) {
        List<Block> out = new ArrayList<>();
        for (int at = RecordingFormat.FILE_HEADER_SIZE; at + RecordingFormat.BLOCK_HEADER_SIZE <= file.length; ) {
            Block b = new Block(at, Le.i32(file, at), Le.i32(file, at + 8));
            out.add(b);
            at = b.end();
        }
        return out;
    }

    /** The PAGES_ZSTD blocks of {@code file}, in file order. */
    public static List<Block> chunks(byte[] file) {
        return blocks(file).stream().filter(b -> b.kind() == RecordingFormat.PAGES_ZSTD).toList();
    }

    public static byte[] payload(byte[] file, Block b) {
        return Arrays.copyOfRange(file, b.offset() + RecordingFormat.BLOCK_HEADER_SIZE, b.end());
    }

    /** A PAGES_ZSTD block's uncompressed entries (cpu, length, read time, page; ...). */
    public static byte[] entries(byte[] file, Block chunk) {
        byte[] p = payload(file, chunk);
        return Zstd.decompress(Arrays.copyOfRange(p, RecordingFormat.CHUNK_HEADER, p.length), Le.i32(p, 0));
    }

    /** A PAGES_ZSTD payload of {@code entries}, declaring {@code count} pages, compressed as the writer does. */
    public static byte[] chunkPayload(byte[] entries, int count) {
        byte[] z = Zstd.compress(entries, 1);
        byte[] p = new byte[RecordingFormat.CHUNK_HEADER + z.length];
        Le.putI32(p, 0, entries.length);
        Le.putI32(p, 4, count);
        System.arraycopy(z, 0, p, RecordingFormat.CHUNK_HEADER, z.length);
        return p;
    }

    /**
     * {@code file} with block {@code b}'s payload replaced by {@code payload}: its length set and its CRC-32
     * recomputed by the version 3 rule (header's kind, cpu and length, then the payload), so the block is sound to
     * the CRC and only its content is bad.
     */
    public static byte[] withPayload(byte[] file, Block b, byte[] payload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(file, 0, b.offset());
        byte[] h = Arrays.copyOfRange(file, b.offset(), b.offset() + RecordingFormat.BLOCK_HEADER_SIZE);
        Le.putI32(h, 8, payload.length);
        CRC32 crc = new CRC32();
        crc.update(h, 0, RecordingFormat.BLOCK_HEADER_CRC_SPAN);
        crc.update(payload);
        Le.putI32(h, 12, (int) crc.getValue());
        o.writeBytes(h);
        o.writeBytes(payload);
        o.write(file, b.end(), file.length - b.end());
        return o.toByteArray();
    }

    /** {@code file} without block {@code b}: what a reader that skips exactly that block must deliver. */
    public static byte[] without(byte[] file, Block b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(file, 0, b.offset());
        o.write(file, b.end(), file.length - b.end());
        return o.toByteArray();
    }

    /**
     * The sound file with its second PAGES_ZSTD block's third page claiming more bytes than the block holds after it
     * (an impossible length inside a block whose CRC holds).
     */
    public static byte[] impossiblePageLength() throws Exception {
        byte[] sound = sound();
        Block chunk = chunks(sound).get(1);
        byte[] e = entries(sound, chunk);
        int at = 0;
        for (int i = 0; i < 2; i++) {
            at += RecordingFormat.CHUNK_ENTRY_HEADER + Le.i32(e, at + 4);
        }
        Le.putI32(e, at + 4, e.length); // more than is left
        return withPayload(sound, chunk, chunkPayload(e, PAGES_PER_CHUNK));
    }
}
