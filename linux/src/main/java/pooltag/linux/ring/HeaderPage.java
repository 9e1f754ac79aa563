package pooltag.linux.ring;

/**
 * The layout of one ring-buffer sub-buffer ("page"), parsed from {@code events/header_page}. Immutable.
 *
 * <p>Invariants: {@code commitOffset + commitSize <= dataOffset}, {@code pageSize = dataOffset + dataSize}. All
 * values in bytes.
 */
public record HeaderPage(int timestampOffset, int commitOffset, int commitSize, int dataOffset, int dataSize) {

    /** Length of the commit value that counts bytes of data; the top bits carry the lost-events flags. */
    public static final long COMMIT_SIZE_MASK = (1L << 27) - 1;
    /** Commit bit: events were lost (overwritten or dropped) before this page. */
    public static final long MISSED_EVENTS = 1L << 31;
    /** Commit bit: the number of lost events is stored as an unsigned long right after the data. */
    public static final long MISSED_STORED = 1L << 30;

    public int pageSize() {
        return dataOffset + dataSize;
    }

    /** The layout of this kernel (x86_64, 4 KiB sub-buffers); tests and fuzzers use it, live code parses. */
    public static final HeaderPage DEFAULT_4K = new HeaderPage(0, 8, 8, 16, 4080);

    /**
     * @param text the contents of {@code events/header_page}
     * @param where the file name, for error messages
     */
    public static HeaderPage parse(String text, String where) {
        int ts = -1, commit = -1, commitSize = -1, data = -1, dataSize = -1;
        for (EventFormat.Field f : EventFormat.parseFields(text, where)) {
            switch (f.name()) {
                case "timestamp" -> ts = f.offset();
                case "commit" -> {
                    commit = f.offset();
                    commitSize = f.size();
                }
                case "data" -> {
                    data = f.offset();
                    dataSize = f.size();
                }
                default -> { /* "overwrite" overlays commit's low byte on some kernels; unused */ }
            }
        }
        if (ts < 0 || commit < 0 || data < 0) {
            throw new DecodeException(where, 0, "header_page lacks timestamp, commit or data field");
        }
        if (commitSize != 4 && commitSize != 8) {
            throw new DecodeException(where, 0, "commit field of " + commitSize + " bytes (expected 4 or 8)");
        }
        if (dataSize <= 0 || data + dataSize > (1 << 24)) {
            throw new DecodeException(where, 0, "implausible data size " + dataSize);
        }
        return new HeaderPage(ts, commit, commitSize, data, dataSize);
    }
}
