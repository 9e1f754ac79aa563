package pooltag.linux.recording;

import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

import pooltag.core.error.PooltagException;

/**
 * The free space a recording keeps on the file system it writes to, so that it never fills a disk: {@code record}
 * (whose spool grows while tracing and is compressed into the file after the stop) and {@code hunt --record} /
 * {@code record --stacks leaders} (whose file grows while tracing) look with every {@code /proc/slabinfo} sample and
 * stop, as on a signal, while {@link #KEEP_FREE_BYTES} plus an eighth of the spool are still free. Too little room at
 * the start is a one-line error before anything is traced or created.
 */
public final class DiskRoom {
    /**
     * Free space kept besides an eighth of the spool: what the pages spooled so far need to be compressed into the
     * file after the stop (zstd made 264 MB of spool into 15 MB in docs/PERFORMANCE.md; an eighth leaves twice that
     * room), plus what the spool or the file may grow by between two looks (one
     * {@link pooltag.linux.procfs.ProcfsSource#SAMPLE_EVERY}: 90 MB of spool at 3 M events/s). MiB, from
     * {@code -Dpooltag.record.keepFreeMiB} (1 MiB to 8 TiB), 256 by default.
     */
    static final long KEEP_FREE_BYTES = keepFreeBytes(Long.getLong("pooltag.record.keepFreeMiB", 256));

    private final Path file;
    /** null when the file system cannot be told: no guard then (a full disk still fails with its one-line message) */
    private final FileStore store;

    private DiskRoom(Path file, FileStore store) {
        this.file = file.toAbsolutePath();
        this.store = store;
    }

    /** The room on the file system {@code file} will be created on (its parent folder's). */
    public static DiskRoom of(Path file) {
        return new DiskRoom(file, fileStoreOf(file));
    }

    /** Throws the one-line error when there is no room to begin (before the file or the instance is made). */
    public void requireAtStart() {
        if (!enough(0)) {
            throw new PooltagException(String.format(java.util.Locale.ROOT,
                    "only %,d MiB free on the file system of %s: a recording keeps %,d MiB free to write itself",
                    usable(store) >> 20, file, KEEP_FREE_BYTES >> 20));
        }
    }

    /** True while a recording with {@code spoolBytes} spooled may go on (statfs(2) sees what is written already). */
    public boolean enough(long spoolBytes) {
        return store == null || roomToGoOn(usable(store), spoolBytes, KEEP_FREE_BYTES);
    }

    /** The summary's reason for a stop for room, after {@code seconds} of tracing. */
    public String stoppedAfter(double seconds) {
        return String.format(java.util.Locale.ROOT,
                "stopped after %.1f s: %,d MiB free on the file system of %s, kept to write the recording"
                        + " (a recording keeps %,d MiB and an eighth of its spool free)", seconds,
                usable(store) >> 20, file, KEEP_FREE_BYTES >> 20);
    }

    /** {@code mib} MiB in bytes, bounded to 1 MiB .. 8 TiB (a larger value would overflow the shift into a negative). */
    static long keepFreeBytes(long mib) {
        return Math.min(Math.max(1, mib), 1L << 23) << 20;
    }

    /**
     * True when a file system with {@code usable} bytes free still has room to go on recording with
     * {@code spoolBytes} spooled: more than {@code keepFree} plus an eighth of the spool.
     */
    static boolean roomToGoOn(long usable, long spoolBytes, long keepFree) {
        return usable > keepFree + Math.max(0, spoolBytes) / 8;
    }

    static FileStore fileStoreOf(Path out) {
        try {
            Path dir = out.toAbsolutePath().getParent();
            return Files.getFileStore(dir == null ? out.toAbsolutePath() : dir);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** Bytes free for this process on {@code store} (statfs(2)); Long.MAX_VALUE when it cannot be told. */
    static long usable(FileStore store) {
        try {
            return store == null ? Long.MAX_VALUE : store.getUsableSpace();
        } catch (java.io.IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }
}
