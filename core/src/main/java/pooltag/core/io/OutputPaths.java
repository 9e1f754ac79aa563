package pooltag.core.io;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import pooltag.core.error.PooltagException;

/**
 * The check of a file an option names for output ({@code --chart}, {@code --collapsed}, {@code --record},
 * {@code --output}), made before any work: a hunt or a trace that ran to its end and then could not write what the
 * user asked for wasted the whole run. One line names the option, the file and the reason in the words of the
 * system's own ({@code no such file or directory}, {@code permission denied}). The write itself can still fail (the
 * disk fills, the directory goes away); that is said with its reason where the write happens ({@link
 * pooltag.core.error.IoReasons}).
 */
public final class OutputPaths {
    private OutputPaths() {
    }

    /** What may already be at the path. */
    public enum Existing {
        /** Created new, never over an existing file or a symbolic link ({@link PrivateFiles}). */
        REFUSED,
        /** An existing regular file is replaced (a chart). */
        REPLACED
    }

    /**
     * @param option the option's name, for the message ({@code --chart})
     * @throws PooltagException one line when {@code file} cannot be written as {@code existing} says
     */
    public static void refuseUnwritable(String option, Path file, Existing existing) {
        refuseUnwritable(option, file, existing, 0);
    }

    /** Links followed at most (as the kernel's own limit of 40, but a chart needs no chain longer than a few). */
    private static final int MAX_LINKS = 8;

    private static void refuseUnwritable(String option, Path file, Existing existing, int links) {
        if (file.toString().isEmpty()) {
            throw new PooltagException(option + ": an empty file name");
        }
        String what = option + " " + file + ": ";
        boolean link = Files.isSymbolicLink(file);
        if (link && existing == Existing.REPLACED && !Files.exists(file)) {
            // a link to a file not made yet: writing through it creates its target, so the target is what is checked
            if (links >= MAX_LINKS) {
                throw new PooltagException(what + "too many levels of symbolic links");
            }
            Path target;
            try {
                target = file.toAbsolutePath().resolveSibling(Files.readSymbolicLink(file));
            } catch (java.io.IOException e) {
                throw new PooltagException(what + pooltag.core.error.IoReasons.of(e));
            }
            refuseUnwritable(option, target, existing, links + 1);
            return;
        }
        if (link || Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            if (existing == Existing.REFUSED) {
                throw new PooltagException(what + (link ? "is a symbolic link" : "already exists")
                        + "; pooltag creates a new file and overwrites nothing");
            }
            if (Files.isDirectory(file)) {
                throw new PooltagException(what + "is a directory");
            }
            if (!Files.isWritable(file)) {
                throw new PooltagException(what + "permission denied");
            }
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            return;
        }
        if (!Files.exists(parent)) {
            throw new PooltagException(what + "no such file or directory (" + parent + " does not exist)");
        }
        if (!Files.isDirectory(parent)) {
            throw new PooltagException(what + "not a directory (" + parent + ")");
        }
        // access(2) for the effective user: what open(2) with O_CREAT would be told
        if (!Files.isWritable(parent) || !Files.isExecutable(parent)) {
            throw new PooltagException(what + "permission denied (cannot create files in " + parent + ")");
        }
        // access(2) does not see every refusal: root is granted write on /proc, whose directories take no new file,
        // and a read-only mount of an ordinary directory answers only the create. So the create is the test; the
        // probe goes at once (the real write creates the file again, exclusively, when it has something to write).
        try {
            Files.createFile(file);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new PooltagException(what + "already exists; pooltag creates a new file and overwrites nothing");
        } catch (java.io.IOException e) {
            throw new PooltagException(what + pooltag.core.error.IoReasons.of(e) + " (cannot create it)");
        }
        try {
            Files.delete(file);
        } catch (java.io.IOException e) {
            throw new PooltagException(what + "created, then could not be removed again: "
                    + pooltag.core.error.IoReasons.of(e));
        }
    }
}
