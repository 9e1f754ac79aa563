package pooltag.linux.ring;

/**
 * The layout of one ring-buffer sub-buffer ("page"), parsed from {@code events/header_page}. Immutable.
 *
 * <p>Invariants: {@code commitOffset + commitSize <= dataOffset}, {@code pageSize = dataOffset + dataSize}. All
 * values in bytes.
 */
public record HeaderPage(int timestampOffset, int commitOffset, int commitSize, int dataOffset, int dataSize) {

    /**
     * Largest sub-buffer pooltag accepts (bytes). Kernels use one 4 KiB page by default; {@code buffer_subbuf_size_kb}
     * can raise it, and 1 MiB is far above what anyone configures. A recording may declare any layout, and every
     * PAGE it holds is sized by it, so this bound keeps a hostile header from making each page huge.
     */
    public static final int MAX_PAGE_SIZE = 1 << 20;
    /** Largest page header: the kernel's is 16 bytes (u64 timestamp, u64 commit); room for growth, not for abuse. */
    public static final int MAX_DATA_OFFSET = 256;

    /**
     * The invariants every reader of a page relies on (so that no offset can fall outside a page of
     * {@link #pageSize()} bytes); {@link #parse} reports a violation as a {@link DecodeException} first.
     */
    public HeaderPage {
        String bad = violation(timestampOffset, commitOffset, commitSize, dataOffset, dataSize);
        if (bad != null) {
            throw new IllegalArgumentException(bad);
        }
    }

    /** Why this layout is unusable, or null when it is sound. */
    static String violation(int ts, int commit, int commitSize, int data, int dataSize) {
        if (commitSize != 4 && commitSize != 8) {
            return "commit field of " + commitSize + " bytes (expected 4 or 8)";
        }
        if (data < 0 || data > MAX_DATA_OFFSET) {
            return "data offset " + data + " (expected 0.." + MAX_DATA_OFFSET + ")";
        }
        if (ts < 0 || ts + 8 > data) {
            return "timestamp at offset " + ts + " does not fit the " + data + "-byte page header";
        }
        if (commit < 0 || commit + commitSize > data) {
            return "commit at offset " + commit + " does not fit the " + data + "-byte page header";
        }
        if (dataSize <= 0 || dataSize > MAX_PAGE_SIZE - data) {
            return "implausible data size " + dataSize + " (a page is at most " + MAX_PAGE_SIZE + " bytes)";
        }
        return null;
    }

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
        String bad = violation(ts, commit, commitSize, data, dataSize);
        if (bad != null) {
            throw new DecodeException(where, 0, "header_page: " + bad);
        }
        return new HeaderPage(ts, commit, commitSize, data, dataSize);
    }
}
