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
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import pooltag.core.error.PooltagException;

/**
 * Creates the files pooltag writes that hold kernel addresses or symbols (recordings carry /proc/kallsyms, i.e. the
 * KASLR base, and raw heap pointers): mode 0600 whatever the umask, created exclusively ({@code O_CREAT|O_EXCL},
 * which also refuses a symlink at the path, dangling or not) and never through a symlink ({@code O_NOFOLLOW}).
 * An existing file is an error, never overwritten.
 *
 * <p>Run under sudo (effective uid 0 with {@code SUDO_UID}/{@code SUDO_GID} set), the new file is handed to the user
 * who ran sudo (still 0600): a recording made with {@code sudo pooltag record} is read by {@code pooltag report}
 * without sudo. The chown happens on the file this call just created exclusively, without following a link, so it
 * can never give away a file that existed before.
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
        return createChannel(path, SudoCaller.ofThisProcess());
    }

    /** The user a file created by root under sudo is handed to. */
    public record SudoCaller(int uid, int gid) {
        /**
         * The sudo caller from an environment and the effective uid: present only when euid is 0 and both
         * {@code SUDO_UID} and {@code SUDO_GID} are non-negative integers other than root's 0 (anything else: the
         * file stays with the process's own user).
         */
        public static Optional<SudoCaller> of(Map<String, String> env, long euid) {
            if (euid != 0) {
                return Optional.empty();
            }
            try {
                int uid = Integer.parseInt(env.getOrDefault("SUDO_UID", ""));
                int gid = Integer.parseInt(env.getOrDefault("SUDO_GID", ""));
                return uid > 0 && gid >= 0 ? Optional.of(new SudoCaller(uid, gid)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** This process's sudo caller; euid read as the owner of /proc/self (empty when that cannot be read). */
        public static Optional<SudoCaller> ofThisProcess() {
            String su = System.getenv("SUDO_UID");
            if (su == null) {
                return Optional.empty();
            }
            try {
                Object euid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                return of(System.getenv(), ((Number) euid).longValue());
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /** As {@link #createChannel(Path)}, handing the new file to {@code owner} when present (tests inject it). */
    public static FileChannel createChannel(Path path, Optional<SudoCaller> owner) {
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
                    if (owner.isPresent()) {
                        // Still 0600: only the sudo caller (and root) can read it.
                        Files.setAttribute(path, "unix:uid", owner.get().uid(), LinkOption.NOFOLLOW_LINKS);
                        Files.setAttribute(path, "unix:gid", owner.get().gid(), LinkOption.NOFOLLOW_LINKS);
                    }
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
        } catch (FileAlreadyExistsException e) {
            throw new PooltagException(path + ": " + (Files.isSymbolicLink(path) ? "is a symbolic link"
                    : "already exists") + "; pooltag creates a new file and overwrites nothing");
        } catch (IOException e) {
            // The JDK's message of a NoSuchFileException or AccessDeniedException is only the path: the reason instead
            throw new PooltagException("cannot create " + path + ": " + pooltag.core.error.IoReasons.of(e), e);
        }
        return ch;
    }
}
