package pooltag.linux.kmem;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One CPU's {@code trace_pipe_raw}, read a whole sub-buffer at a time. Two implementations: on JDK 22+ the
 * foreign-function one ({@code FfmRawPipe}: non-blocking read(2) straight into the page's array, poll(2) to sleep until
 * data), else {@link ChannelRawPipe} (blocking {@code FileChannel} reads through the JDK's direct buffer: one copy
 * more, and it cannot tell "empty" from "not yet returned").
 */
interface RawPipe extends Closeable {
    /** {@link #read} result: the kernel buffer was empty when looked at (EAGAIN). */
    int EMPTY = 0;
    /** {@link #read} result: end of file (tracing off and nothing left). */
    int EOF = -1;

    /** Reads one sub-buffer into {@code dst[0..len)}: bytes read, {@link #EMPTY} or {@link #EOF}. */
    int read(byte[] dst, int len) throws IOException;

    /**
     * Reads one sub-buffer into the direct buffer {@code dst} at {@code [off, off + len)} (its position and limit are
     * changed): bytes read, {@link #EMPTY} or {@link #EOF}. The kernel's copy is the only one (a spooling reader
     * writes the same buffer to its spool file; see {@link PageSpool}).
     */
    int read(java.nio.ByteBuffer dst, int off, int len) throws IOException;

    /**
     * Sleeps until the kernel has data for this CPU or {@code timeoutMillis} pass (a no-op for blocking pipes, whose
     * read already waits).
     */
    void await(int timeoutMillis) throws IOException;

    /** True when {@link #read} answers {@link #EMPTY} instead of blocking: then "empty at time t" is exact. */
    boolean tellsEmpty();

    /**
     * A mover of whole pages from this pipe into the file {@code out} without copying them through user space
     * (splice(2) through a pipe of {@code maxPages} pages, as trace-cmd records), or null when this pipe cannot splice
     * (the JDK 21 reader). The file must exist; the mover writes where it is told.
     */
    default PageMover splicer(Path out, int maxPages, int pageSize) throws IOException {
        return null;
    }

    /** Moves pages from a pipe into a file in the kernel; see {@link #splicer}. One thread. */
    interface PageMover extends Closeable {
        /**
         * Moves the pages the kernel has filled (never the one it is still writing), at most the pipe's
         * {@code maxPages}, into the file at byte {@code at}: bytes moved (whole pages), {@link #EMPTY} (no full
         * page) or {@link #EOF}.
         */
        int move(long at) throws IOException;
    }

    /** The best implementation this JDK offers. */
    static RawPipe open(Path file) throws IOException {
        if (Runtime.version().feature() >= 22 && !Boolean.getBoolean("pooltag.channelReader")) {
            try {
                Class<?> c = Class.forName("pooltag.linux.kmem.FfmRawPipe");
                return (RawPipe) c.getMethod("open", Path.class).invoke(null, file);
            } catch (java.lang.reflect.InvocationTargetException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                // native access refused or no libc symbol: the channel reader still works
            } catch (ReflectiveOperationException | LinkageError e) {
                // class compiled out (a JDK 21 build): fall through
            }
        }
        return new ChannelRawPipe(file);
    }
}
