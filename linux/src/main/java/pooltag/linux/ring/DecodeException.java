package pooltag.linux.ring;

import pooltag.core.error.PooltagException;

/**
 * The one decode-error type of the event engine: malformed ring-buffer pages, format files or recordings. The
 * message names what was wrong and where (source, byte offset). Every decoder in {@code pooltag.linux} throws this
 * (or its parent {@link PooltagException}) on bad input and nothing else.
 */
public final class DecodeException extends PooltagException {
    private final long offset;

    public DecodeException(String where, long offset, String what) {
        super(where + " at byte " + offset + ": " + what);
        this.offset = offset;
    }

    /** Byte offset of the problem within its source (a page, a file). */
    public long offset() {
        return offset;
    }
}
