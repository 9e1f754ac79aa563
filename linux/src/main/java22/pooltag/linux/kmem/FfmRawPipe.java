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
    /** read(2) with the destination as a raw address (a direct buffer's, plus an offset: no segment per read) */
    private static final MethodHandle READ_ADDRESS;
    private static final MethodHandle POLL;
    private static final MethodHandle CLOSE;
    /** splice(2), pipe2(2), fcntl(2) and strerror(3) for {@link #splicer}; null where libc lacks one (no splicing). */
    private static final MethodHandle SPLICE;
    private static final MethodHandle PIPE2;
    private static final MethodHandle FCNTL;
    private static final MethodHandle STRERROR;
    private static final java.lang.foreign.StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final java.lang.invoke.VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final int SPLICE_F_MOVE = 1;
    private static final int SPLICE_F_NONBLOCK = 2;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int O_WRONLY = 1;
    private static final int O_NOFOLLOW = 0x20000;
    private static final int EAGAIN = 11;
    /** errno of a full file system, and of a full quota */
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;

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
        READ_ADDRESS = linker.downcallHandle(libc.find("read").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG));
        POLL = linker.downcallHandle(libc.find("poll").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle splice = null;
        MethodHandle pipe2 = null;
        MethodHandle fcntl = null;
        MethodHandle strerror = null;
        try {
            splice = linker.downcallHandle(libc.find("splice").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                    Linker.Option.captureCallState("errno"));
            pipe2 = linker.downcallHandle(libc.find("pipe2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            fcntl = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
            strerror = linker.downcallHandle(libc.find("strerror").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        } catch (RuntimeException e) {
            splice = null; // readers fall back to read(2) and write(2)
        }
        SPLICE = splice;
        PIPE2 = pipe2;
        FCNTL = fcntl;
        STRERROR = strerror;
    }

    private final Path file;
    private final Arena arena = Arena.ofShared();
    /** struct pollfd { int fd; short events; short revents; } */
    private final MemorySegment pollfd;
    private volatile int fd;
    private byte[] segArray;
    private MemorySegment seg;
    private java.nio.ByteBuffer direct;
    private long directAddress;

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
        return result(n);
    }

    @Override
    public int read(java.nio.ByteBuffer dst, int off, int len) throws IOException {
        int f = fd;
        if (f < 0) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (direct != dst) { // a spool reuses one buffer: its address is looked up once
            if (!dst.isDirect() || off < 0 || len < 0 || off + len > dst.capacity()) {
                throw new IllegalArgumentException("a direct buffer with room for " + len + " bytes at " + off);
            }
            directAddress = MemorySegment.ofBuffer(dst.duplicate().clear()).address(); // from byte 0
            direct = dst;
        } else if (off < 0 || len < 0 || off + len > dst.capacity()) {
            throw new IllegalArgumentException("no room for " + len + " bytes at " + off);
        }
        long n;
        try {
            n = (long) READ_ADDRESS.invokeExact(f, directAddress + off, (long) len);
        } catch (Throwable t) {
            throw new IOException("read " + file + ": " + t, t);
        }
        return result(n);
    }

    private int result(long n) throws IOException {
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
    public PageMover splicer(Path out, int maxPages, int pageSize) throws IOException {
        if (SPLICE == null || PIPE2 == null || FCNTL == null || STRERROR == null) {
            return null;
        }
        return new Splicer(out, maxPages, pageSize);
    }

    /**
     * open(2) of an existing file for writing, never through a symlink (O_NOFOLLOW), not inherited (O_CLOEXEC): the
     * descriptor, or -1. For the splicer's spool file and {@link FfmHolePunch}.
     */
    static int openForWriting(Path file) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(a.allocateFrom(file.toString()), O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        }
    }

    /** close(2), its failure ignored (the descriptor is gone either way). */
    static void closeFd(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // see above
        }
    }

    /** strerror(3) of {@code errno}: "No space left on device" for a full disk. */
    private static String describe(int errno) {
        try {
            MemorySegment m = (MemorySegment) STRERROR.invokeExact(errno);
            return m.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /**
     * splice(2) from this {@code trace_pipe_raw} into a pipe of {@code maxPages} pages, then from the pipe into the
     * file: the kernel hands over its filled pages and copies each once, into the file's page cache; nothing passes
     * through user space and one call moves up to {@code maxPages} pages (a read(2) moves one and copies it twice).
     * The kernel splices only pages its writer has left, so a draining reader reads the last one with read(2).
     */
    private final class Splicer implements PageMover {
        private final Path out;
        private final Arena mem = Arena.ofShared();
        private final MemorySegment state = mem.allocate(CALL_STATE);
        /** loff_t: where in the file the next bytes go (splice(2) refuses files opened O_APPEND); it advances it */
        private final MemorySegment outOffset = mem.allocate(ValueLayout.JAVA_LONG);
        private final int pipeRead;
        private final int pipeWrite;
        private final int outFd;
        private final int maxBytes;
        private boolean closed;

        Splicer(Path out, int maxPages, int pageSize) throws IOException {
            this.out = out;
            MemorySegment fds = mem.allocate(8, 4);
            int r;
            try {
                r = (int) PIPE2.invokeExact(fds, O_CLOEXEC);
            } catch (Throwable t) {
                mem.close();
                throw new IOException("pipe2: " + t, t);
            }
            if (r != 0) {
                mem.close();
                throw new IOException("pipe2 failed");
            }
            pipeRead = fds.get(ValueLayout.JAVA_INT, 0);
            pipeWrite = fds.get(ValueLayout.JAVA_INT, 4);
            int size;
            int fd;
            try {
                int asked = (int) FCNTL.invokeExact(pipeWrite, F_SETPIPE_SZ, maxPages * pageSize);
                size = asked > 0 ? asked : (int) FCNTL.invokeExact(pipeWrite, F_GETPIPE_SZ, 0);
                fd = openForWriting(out);
            } catch (Throwable t) {
                closeFds(-1);
                throw new IOException("splice set-up for " + out + ": " + t, t);
            }
            if (fd < 0 || size < pageSize) {
                closeFds(fd);
                throw new IOException("cannot open " + out + " to splice into it");
            }
            this.outFd = fd;
            this.maxBytes = size / pageSize * pageSize;
        }

        @Override
        public int move(long at) throws IOException {
            int f = fd;
            if (f < 0) {
                throw new java.nio.channels.ClosedChannelException();
            }
            long n;
            try {
                n = (long) SPLICE.invokeExact(state, f, MemorySegment.NULL, pipeWrite, MemorySegment.NULL,
                        (long) maxBytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            } catch (Throwable t) {
                throw new IOException("splice " + file + ": " + t, t);
            }
            if (n == 0) {
                return EOF;
            }
            if (n < 0) {
                int e = (int) ERRNO.get(state, 0L);
                if (fd < 0) {
                    throw new java.nio.channels.ClosedChannelException();
                }
                if (e == EAGAIN) {
                    return EMPTY;
                }
                throw new IOException("splice " + file + ": " + describe(e));
            }
            outOffset.set(ValueLayout.JAVA_LONG, 0, at);
            long moved = 0;
            while (moved < n) {
                long m;
                try {
                    m = (long) SPLICE.invokeExact(state, pipeRead, MemorySegment.NULL, outFd, outOffset,
                            n - moved, SPLICE_F_MOVE);
                } catch (Throwable t) {
                    throw new IOException("splice into " + out + ": " + t, t);
                }
                if (m <= 0) { // the file's side (a full disk): one line naming the file, as a failed write
                    int e = m == 0 ? 0 : (int) ERRNO.get(state, 0L);
                    String cause = "writing " + out + ": " + (m == 0 ? "nothing written" : describe(e));
                    if (e == ENOSPC || e == EDQUOT) {
                        // what reached the file is kept by the caller; the rest of the n bytes is lost with the pipe
                        throw new DiskFullException(cause, moved, n, null);
                    }
                    throw new pooltag.core.error.PooltagException(cause);
                }
                moved += m;
            }
            return (int) n;
        }

        private void closeFds(int other) {
            for (int f : new int[] {pipeRead, pipeWrite, other}) {
                if (f >= 0) {
                    try {
                        int ignored = (int) CLOSE.invokeExact(f);
                    } catch (Throwable t) {
                        // the descriptor is gone either way
                    }
                }
            }
            mem.close();
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                closeFds(outFd);
            }
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
