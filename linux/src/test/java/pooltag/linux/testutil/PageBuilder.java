package pooltag.linux.testutil;

import java.io.ByteArrayOutputStream;

import pooltag.linux.ring.Le;

/** Builds ring-buffer pages byte by byte (little-endian), for golden and property tests. */
public final class PageBuilder {
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final long timestamp;
    private long commitFlags;
    private long storedLost = -1;
    private final int pageSize;

    public PageBuilder(long timestamp) {
        this(timestamp, 4096);
    }

    public PageBuilder(long timestamp, int pageSize) {
        this.timestamp = timestamp;
        this.pageSize = pageSize;
    }

    public PageBuilder u32(long v) {
        for (int i = 0; i < 4; i++) {
            data.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    public PageBuilder u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    public PageBuilder u16(int v) {
        data.write(v);
        data.write(v >>> 8);
        return this;
    }

    public PageBuilder u8(int v) {
        data.write(v);
        return this;
    }

    public PageBuilder bytes(byte[] b) {
        data.write(b, 0, b.length);
        return this;
    }

    /** Record header word: type_len in the low 5 bits, time delta in the high 27. */
    public PageBuilder header(int typeLen, long delta) {
        return u32((delta << 5) | typeLen);
    }

    /** Events were lost before this page; with {@code count >= 0} the count is stored after the data. */
    public PageBuilder lost(long count) {
        commitFlags |= 1L << 31;
        if (count >= 0) {
            commitFlags |= 1L << 30;
            storedLost = count;
        }
        return this;
    }

    public int size() {
        return data.size();
    }

    public byte[] build() {
        byte[] d = data.toByteArray();
        byte[] page = new byte[pageSize];
        Le.putI64(page, 0, timestamp);
        Le.putI64(page, 8, d.length | commitFlags);
        System.arraycopy(d, 0, page, 16, d.length);
        if (storedLost >= 0) {
            Le.putI64(page, 16 + d.length, storedLost);
        }
        return page;
    }
}
