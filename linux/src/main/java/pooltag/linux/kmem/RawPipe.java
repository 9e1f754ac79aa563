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
     * Sleeps until the kernel has data for this CPU or {@code timeoutMillis} pass (a no-op for blocking pipes, whose
     * read already waits).
     */
    void await(int timeoutMillis) throws IOException;

    /** True when {@link #read} answers {@link #EMPTY} instead of blocking: then "empty at time t" is exact. */
    boolean tellsEmpty();

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
