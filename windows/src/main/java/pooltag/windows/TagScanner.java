package pooltag.windows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.error.IoReasons;
import pooltag.core.error.PooltagException;
import pooltag.core.tag.WinDbgTag;

/**
 * Which driver files hold a tag's four bytes, as {@code findstr /m /l Abc *.sys} is used to trace an unknown tag to
 * its binary: code that allocates with a tag carries it as an immediate operand, in memory order. The tag is
 * padded with spaces to four bytes ({@code Abc} is {@code 41 62 63 20}). Every regular file under the directory is
 * searched, not only {@code .sys}, so {@code .dll} and renamed drivers are found too.
 */
public final class TagScanner {
    private static final int BUFFER = 1 << 16;

    private TagScanner() {
    }

    /**
     * What a scan found: for each tag, in the order given, the files (sorted by path) that contain its bytes; and the
     * files and directories that could not be read (sorted), which were not searched and are said, not hidden.
     */
    public record Scan(Map<String, List<Path>> found, List<Path> unreadable) {
    }

    public static Scan scan(Path dir, List<String> tags) {
        if (!Files.isDirectory(dir)) {
            throw new PooltagException(dir + ": not a directory");
        }
        byte[][] needles = new byte[tags.size()][];
        for (int i = 0; i < tags.size(); i++) {
            try {
                needles[i] = WinDbgTag.dwordBytes(WinDbgTag.dwordOf(tags.get(i)));
            } catch (IllegalArgumentException e) {
                throw new PooltagException("bad tag '" + tags.get(i) + "': " + e.getMessage());
            }
        }
        Map<String, List<Path>> found = new LinkedHashMap<>();
        for (String t : tags) {
            found.put(t, new ArrayList<>());
        }
        List<Path> files = new ArrayList<>();
        List<Path> unreadable = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    // A link to a driver file is searched as Files.isRegularFile sees it (links followed), as before.
                    if (attrs.isRegularFile() || attrs.isSymbolicLink() && Files.isRegularFile(f)) {
                        files.add(f);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    unreadable.add(f); // a directory that cannot be listed, or a file whose attributes cannot be read
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new PooltagException(dir + ": cannot list: " + IoReasons.of(e), e);
        }
        files.sort(null);
        for (Path f : files) {
            boolean[] hit = contains(f, needles);
            if (hit == null) {
                unreadable.add(f);
                continue;
            }
            for (int i = 0; i < tags.size(); i++) {
                if (hit[i]) {
                    found.get(tags.get(i)).add(f);
                }
            }
        }
        unreadable.sort(null);
        return new Scan(found, List.copyOf(unreadable));
    }

    /**
     * Streams the file once for all needles; 3 bytes carried between reads so a tag across a boundary is found.
     * Null when the file cannot be read (permission denied, gone since the walk).
     */
    private static boolean[] contains(Path f, byte[][] needles) {
        boolean[] hit = new boolean[needles.length];
        byte[] buf = new byte[BUFFER + 3];
        int carried = 0;
        try (InputStream in = Files.newInputStream(f)) {
            int r;
            while ((r = in.read(buf, carried, BUFFER)) > 0) {
                int len = carried + r;
                for (int k = 0; k < needles.length; k++) {
                    if (!hit[k] && indexOf(buf, len, needles[k])) {
                        hit[k] = true;
                    }
                }
                carried = Math.min(3, len);
                System.arraycopy(buf, len - carried, buf, 0, carried);
            }
        } catch (IOException e) {
            return null;
        }
        return hit;
    }

    private static boolean indexOf(byte[] buf, int len, byte[] n) {
        for (int i = 0; i + 4 <= len; i++) {
            if (buf[i] == n[0] && buf[i + 1] == n[1] && buf[i + 2] == n[2] && buf[i + 3] == n[3]) {
                return true;
            }
        }
        return false;
    }
}
