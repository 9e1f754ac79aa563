package pooltag.linux.kmem;

import java.nio.file.Path;

/**
 * Gives the disk blocks of a range of a file back to its file system while the file stays as long as it was
 * (fallocate(2) {@code FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE}; tmpfs, ext4, xfs and btrfs do it). The replay of a
 * {@link PageSpool} punches each batch of pages it has read into memory, so compressing a spool into its recording
 * needs no room beyond what the spool already holds: a full disk still ends in a whole recording. One thread.
 */
public interface HolePunch extends AutoCloseable {
    /** Releases {@code length} bytes from {@code offset}; false when the file system cannot (the bytes stay). */
    boolean punch(long offset, long length);

    @Override
    void close();

    /**
     * A punch for {@code file} (opened for writing, never through a symlink), or null when this JDK cannot call
     * fallocate(2) (JDK 21: the foreign-function API is JDK 22's) or the file cannot be opened: the spool's blocks are
     * then released only when it is deleted.
     */
    static HolePunch open(Path file) {
        if (Runtime.version().feature() < 22) {
            return null;
        }
        try {
            Class<?> c = Class.forName("pooltag.linux.kmem.FfmHolePunch");
            return (HolePunch) c.getMethod("open", Path.class).invoke(null, file);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null; // native access refused, no libc symbol, class compiled out: no release before the delete
        }
    }
}
