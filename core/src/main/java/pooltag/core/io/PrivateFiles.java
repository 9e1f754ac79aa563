package pooltag.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import pooltag.core.error.PooltagException;

/**
 * Creates the files pooltag writes that hold kernel addresses or symbols (recordings carry /proc/kallsyms, i.e. the
 * KASLR base, and raw heap pointers): mode 0600 whatever the umask, created exclusively ({@code O_CREAT|O_EXCL},
 * which also refuses a symlink at the path, dangling or not) and never through a symlink ({@code O_NOFOLLOW}).
 * An existing file is an error, never overwritten.
 */
public final class PrivateFiles {
    /** rw------- */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /**
     * Creates {@code path} (which must not exist) and opens it for writing.
     *
     * @throws PooltagException one line naming the file: it exists (or is a symlink), or cannot be created
     */
    public static OutputStream create(Path path) {
        return Channels.newOutputStream(createChannel(path));
    }

    /** As {@link #create}, as a channel. */
    public static FileChannel createChannel(Path path) {
        FileChannel ch;
        try {
            boolean posix = path.getFileSystem().supportedFileAttributeViews().contains("posix");
            FileAttribute<?>[] attrs = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                    : new FileAttribute<?>[0];
            // The mode given to open(2) is masked by the umask, which can only take bits away: the file is never
            // more open than 0600, not even for an instant. The explicit set below restores bits a strict umask
            // (e.g. 0277) removed, through the new file's own path without following a link.
            Set<OpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            ch = FileChannel.open(path, opts, attrs);
            if (posix) {
                try {
                    Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setPermissions(OWNER_ONLY);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
        } catch (FileAlreadyExistsException e) {
            throw new PooltagException(path + ": " + (Files.isSymbolicLink(path) ? "is a symbolic link"
                    : "already exists") + "; pooltag creates a new file and overwrites nothing");
        } catch (IOException e) {
            throw new PooltagException("cannot create " + path + ": " + e.getMessage(), e);
        }
        return ch;
    }
}
