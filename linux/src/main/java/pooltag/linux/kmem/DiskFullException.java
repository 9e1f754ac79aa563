package pooltag.linux.kmem;

import java.io.IOException;

import pooltag.core.error.PooltagException;

/**
 * A write of the spool refused because its file system is full (ENOSPC, or EDQUOT for a quota): the message is the
 * one line naming the file and the cause ({@code writing FILE.spool.cpu1: No space left on device}). Not a failure of
 * the session: the reader that meets it stops spooling and asks the session to stop, as SIGINT does, and what was
 * spooled before it is kept ({@link PageSpool.Writer} counts the pages it could not keep).
 */
public final class DiskFullException extends PooltagException {
    /** Bytes of the failed move that reached the file before the refusal (splice(2) may write part of a batch). */
    private final long bytesWritten;
    /** Bytes the failed move had taken from the kernel's buffer (whole pages; what did not reach the file is lost). */
    private final long bytesMoved;

    public DiskFullException(String message, long bytesWritten, long bytesMoved, Throwable cause) {
        super(message, cause);
        this.bytesWritten = bytesWritten;
        this.bytesMoved = bytesMoved;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    public long bytesMoved() {
        return bytesMoved;
    }

    /**
     * True when {@code e} is a file system's "no room" answer: the JDK turns ENOSPC and EDQUOT into IOExceptions with
     * strerror(3)'s text as their message (no errno is kept).
     */
    public static boolean isDiskFull(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"));
    }
}
