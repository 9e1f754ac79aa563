package pooltag.linux.kmem;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * {@code trace_pipe_raw} through libc with the foreign-function API (JDK 22+; compiled from src/main/java22 with
 * release 22 and loaded only there). The file is opened {@code O_NONBLOCK}: a read of an empty buffer answers at once
 * (so the reader knows the CPU had nothing at that moment), and {@code poll(2)} sleeps until the kernel signals data
 * (with {@code buffer_percent} 0, any event). Reads go straight into the page's Java array (a critical downcall with
 * heap access: the kernel's copy is the only one; no direct-buffer bounce).
 */
public final class FfmRawPipe implements RawPipe {
    private static final int O_RDONLY = 0;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final short POLLIN = 0x1;
    private static final short POLLERR = 0x8;
    private static final short POLLNVAL = 0x20;

    private static final MethodHandle OPEN;
    private static final MethodHandle READ;
    private static final MethodHandle POLL;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
        // critical: a non-blocking read returns within microseconds, so holding off the GC meanwhile is fine
        READ = linker.downcallHandle(libc.find("read").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG), Linker.Option.critical(true));
        POLL = linker.downcallHandle(libc.find("poll").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private final Path file;
    private final Arena arena = Arena.ofShared();
    /** struct pollfd { int fd; short events; short revents; } */
    private final MemorySegment pollfd;
    private volatile int fd;
    private byte[] segArray;
    private MemorySegment seg;

    private FfmRawPipe(Path file, int fd) {
        this.file = file;
        this.fd = fd;
        this.pollfd = arena.allocate(8, 4);
        pollfd.set(ValueLayout.JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
    }

    public static FfmRawPipe open(Path file) throws IOException {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(a.allocateFrom(file.toString()), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (fd < 0) {
            throw new IOException("cannot open " + file);
        }
        return new FfmRawPipe(file, fd);
    }

    @Override
    public int read(byte[] dst, int len) throws IOException {
        int f = fd;
        if (f < 0) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (segArray != dst) {
            seg = MemorySegment.ofArray(dst);
            segArray = dst;
        }
        long n;
        try {
            n = (long) READ.invokeExact(f, seg, (long) len);
        } catch (Throwable t) {
            throw new IOException("read " + file + ": " + t, t);
        }
        if (n > 0) {
            return (int) n;
        }
        if (n == 0) {
            return EOF;
        }
        if (fd < 0) {
            throw new java.nio.channels.ClosedChannelException();
        }
        // -1: EAGAIN (empty) in practice; a real error shows up in poll's revents (POLLERR/POLLNVAL) right after
        return EMPTY;
    }

    @Override
    public void await(int timeoutMillis) throws IOException {
        int r;
        try {
            pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            r = (int) POLL.invokeExact(pollfd, 1L, timeoutMillis);
        } catch (Throwable t) {
            throw new IOException("poll " + file + ": " + t, t);
        }
        if (r > 0 && (pollfd.get(ValueLayout.JAVA_SHORT, 6) & (POLLERR | POLLNVAL)) != 0) {
            if (fd < 0) {
                throw new java.nio.channels.ClosedChannelException();
            }
            throw new IOException("poll " + file + ": error on the file");
        }
    }

    @Override
    public boolean tellsEmpty() {
        return true;
    }

    /**
     * Closes the descriptor. A reader blocked in {@link #await} wakes within its timeout (poll does not return on a
     * close from another thread), so callers keep timeouts short.
     */
    @Override
    public synchronized void close() {
        int f = fd;
        if (f < 0) {
            return;
        }
        fd = -1;
        try {
            int ignored = (int) CLOSE.invokeExact(f);
        } catch (Throwable t) {
            // nothing to do: the descriptor is gone either way
        }
    }
}
