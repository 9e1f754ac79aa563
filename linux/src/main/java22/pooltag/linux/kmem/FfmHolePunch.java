package pooltag.linux.kmem;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** {@link HolePunch} through libc's fallocate(2) with the foreign-function API (JDK 22+, src/main/java22). */
public final class FfmHolePunch implements HolePunch {
    /** FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE (linux/falloc.h): the file's length does not change */
    private static final int PUNCH_HOLE_KEEP_SIZE = 0x01 | 0x02;
    private static final MethodHandle FALLOCATE;

    static {
        Linker linker = Linker.nativeLinker();
        FALLOCATE = linker.downcallHandle(linker.defaultLookup().find("fallocate").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    private int fd;

    private FfmHolePunch(int fd) {
        this.fd = fd;
    }

    /** Opens {@code file} for writing (as the splicer opens its spool file); null when it cannot be opened. */
    public static FfmHolePunch open(Path file) {
        int fd;
        try {
            fd = FfmRawPipe.openForWriting(file);
        } catch (Throwable t) {
            return null;
        }
        return fd < 0 ? null : new FfmHolePunch(fd);
    }

    @Override
    public boolean punch(long offset, long length) {
        if (fd < 0 || length <= 0) {
            return false;
        }
        try {
            return (int) FALLOCATE.invokeExact(fd, PUNCH_HOLE_KEEP_SIZE, offset, length) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            FfmRawPipe.closeFd(fd);
            fd = -1;
        }
    }
}
