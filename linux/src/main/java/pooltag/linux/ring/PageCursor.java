package pooltag.linux.ring;

/**
 * Walks the records of one ring-buffer sub-buffer in place: load a page, then {@link #next()} stops on each data
 * record and exposes its timestamp and payload bounds. One cursor per CPU stream, reused for every page; nothing is
 * allocated after construction.
 *
 * <p>Record header (one u32): {@code type_len = w & 31}, {@code time_delta = w >>> 5}.
 * <ul>
 *   <li>1..28: payload of {@code type_len * 4} bytes follows; {@code ts += delta}.</li>
 *   <li>0: next u32 is the payload length + 4 (it counts itself); payload follows; {@code ts += delta}.</li>
 *   <li>29 padding: {@code delta == 0} means the rest of the page is empty; otherwise next u32 is the length after
 *       the header (a discarded event). The kernel's own reader does not add a padding's delta; neither do we.</li>
 *   <li>30 time extend: {@code ts += (next_u32 << 27) | delta}.</li>
 *   <li>31 absolute time stamp: {@code ts = (next_u32 << 27 | delta) | (ts & 0xF8 << 56)}.</li>
 * </ul>
 * Timestamps are in the instance's {@code trace_clock} units (nanoseconds for {@code mono}).
 */
public final class PageCursor {
    static final int TYPE_PADDING = 29;
    static final int TYPE_TIME_EXTEND = 30;
    static final int TYPE_TIME_STAMP = 31;
    static final int TYPE_DATA_MAX = 28;

    private final HeaderPage header;
    private final String where;

    private byte[] buf;
    private int base;      // index of the page's first byte in buf
    private int end;       // index one past the last committed data byte
    private int pos;       // index of the next record header
    private long baseOffset; // byte offset of the page in its source, for error messages
    private long ts;

    private long pageTimestamp;
    private int commitSize;
    private boolean missedEvents;
    private long missedCount;

    private long recordTs;
    private int payloadOffset;
    private int payloadLength;
    private int recordOffset;

    /** Counters over the cursor's lifetime (all pages). */
    private long records;
    private long paddingRecords;
    private long timeRecords;

    /** @param where the stream's name in error messages (e.g. "cpu1 trace_pipe_raw" or a file name) */
    public PageCursor(HeaderPage header, String where) {
        this.header = header;
        this.where = where;
    }

    /**
     * Positions the cursor before the first record of a page.
     *
     * @param len        bytes of the page that are present: a full sub-buffer from trace_pipe_raw; fewer only when a
     *                   file was cut short, in which case the commit size must still fit
     * @param baseOffset where the page starts in its source (for errors)
     * @throws DecodeException when the header does not fit or its commit size exceeds the page. Every read of this
     *         cursor stays inside {@code buf[off, off+len)}: {@link HeaderPage}'s invariants put the timestamp and
     *         commit inside the header, and the commit size is checked against {@code len} here.
     */
    public void load(byte[] buf, int off, int len, long baseOffset) {
        this.buf = buf;
        this.base = off;
        this.baseOffset = baseOffset;
        int dataOff = header.dataOffset();
        if (off < 0 || len < 0 || len > buf.length - off) {
            // a caller's bug rather than bad data, but still no IndexOutOfBoundsException from a read below
            throw new DecodeException(where, baseOffset, "page of " + len + " bytes at index " + off
                    + " does not fit its " + buf.length + "-byte buffer");
        }
        if (len < dataOff) {
            throw new DecodeException(where, baseOffset, "page of " + len + " bytes is shorter than its "
                    + dataOff + "-byte header");
        }
        pageTimestamp = Le.i64(buf, off + header.timestampOffset());
        long commit = header.commitSize() == 8 ? Le.i64(buf, off + header.commitOffset())
                : Le.u32(buf, off + header.commitOffset());
        commitSize = (int) (commit & HeaderPage.COMMIT_SIZE_MASK);
        if (commitSize > header.dataSize() || dataOff + commitSize > len) {
            throw new DecodeException(where, baseOffset + header.commitOffset(), "commit size " + commitSize
                    + " exceeds the page (" + Math.min(header.dataSize(), len - dataOff) + " data bytes present)");
        }
        missedEvents = (commit & HeaderPage.MISSED_EVENTS) != 0;
        missedCount = -1;
        if (missedEvents && (commit & HeaderPage.MISSED_STORED) != 0 && dataOff + commitSize + 8 <= len) {
            missedCount = Le.i64(buf, off + dataOff + commitSize);
        }
        ts = pageTimestamp;
        pos = off + dataOff;
        end = pos + commitSize;
        payloadOffset = -1;
        payloadLength = 0;
    }

    /**
     * Advances to the next data record.
     *
     * @return false when the page has no more data records
     * @throws DecodeException when a record's length runs past the committed data
     */
    public boolean next() {
        while (pos + 4 <= end) {
            int start = pos;
            int w = Le.i32(buf, pos);
            int typeLen = w & 31;
            long delta = w >>> 5;
            if (typeLen >= 1 && typeLen <= TYPE_DATA_MAX) {
                int len = typeLen * 4;
                checkFits(start, 4 + len);
                ts += delta;
                return stopAt(start, start + 4, len, start + 4 + len);
            }
            switch (typeLen) {
                case 0 -> {
                    checkFits(start, 8);
                    long stored = Le.u32(buf, start + 4);
                    if (stored < 4 || stored > commitSize) {
                        throw new DecodeException(where, baseOffset + (start - base),
                                "large data record with length " + stored);
                    }
                    int total = (int) ((4 + stored + 3) & ~3L);
                    checkFits(start, total);
                    ts += delta;
                    return stopAt(start, start + 8, (int) stored - 4, start + total);
                }
                case TYPE_PADDING -> {
                    paddingRecords++;
                    if (delta == 0) {
                        pos = end; // null padding: the rest of the page is empty
                        return false;
                    }
                    checkFits(start, 8);
                    long skip = Le.u32(buf, start + 4);
                    long total = (4 + skip + 3) & ~3L;
                    if (total < 8 || start + total > end) {
                        throw new DecodeException(where, baseOffset + (start - base),
                                "padding of " + skip + " bytes runs past the committed data");
                    }
                    pos = start + (int) total;
                }
                case TYPE_TIME_EXTEND -> {
                    checkFits(start, 8);
                    timeRecords++;
                    ts += (Le.u32(buf, start + 4) << 27) | delta;
                    pos = start + 8;
                }
                case TYPE_TIME_STAMP -> {
                    checkFits(start, 8);
                    timeRecords++;
                    ts = ((Le.u32(buf, start + 4) << 27) | delta) | (ts & (0xF8L << 56));
                    pos = start + 8;
                }
                default -> throw new IllegalStateException("type_len is 5 bits");
            }
        }
        if (pos != end) {
            throw new DecodeException(where, baseOffset + (pos - base), (end - pos)
                    + " trailing bytes too short for a record header");
        }
        return false;
    }

    private boolean stopAt(int start, int payload, int len, int nextPos) {
        recordOffset = start;
        payloadOffset = payload;
        payloadLength = len;
        recordTs = ts;
        pos = nextPos;
        records++;
        return true;
    }

    private void checkFits(int start, int len) {
        if (start + len > end) {
            throw new DecodeException(where, baseOffset + (start - base), "record of " + len
                    + " bytes runs past the committed data (" + (end - start) + " bytes left)");
        }
    }

    /** Whether another data record may follow (cheap; {@link #next()} decides). */
    public boolean hasMoreBytes() {
        return pos + 4 <= end;
    }

    public byte[] buffer() {
        return buf;
    }

    /** Index in {@link #buffer()} of the current record's payload ({@code common_type} sits here). */
    public int payloadOffset() {
        return payloadOffset;
    }

    /** Payload bytes of the current record (may include up to 3 bytes of alignment). */
    public int payloadLength() {
        return payloadLength;
    }

    /** The current record's header, as a byte offset within its page. */
    public int recordOffsetInPage() {
        return recordOffset - base;
    }

    public long timestamp() {
        return recordTs;
    }

    /** The event id ({@code common_type}) of the current record, or -1 if its payload is too short. */
    public int eventId() {
        return payloadLength >= 2 ? Le.u16(buf, payloadOffset) : -1;
    }

    public long pageTimestamp() {
        return pageTimestamp;
    }

    public int commitSize() {
        return commitSize;
    }

    /** The page header says events were lost (overwritten or dropped) before this page. */
    public boolean missedEvents() {
        return missedEvents;
    }

    /** How many were lost before this page, or -1 when the kernel did not store a count. */
    public long missedCount() {
        return missedCount;
    }

    public long records() {
        return records;
    }

    public long paddingRecords() {
        return paddingRecords;
    }

    public long timeRecords() {
        return timeRecords;
    }

    public long sourceOffset() {
        return baseOffset;
    }
}
