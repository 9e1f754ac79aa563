package pooltag.linux.tracefs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads procfs, sysfs and tracefs files. They report size 0, and {@code Files.readString} trusts the size (it
 * returned one character of {@code events/header_page} here), so read through a stream until end of file.
 */
public final class KernelFiles {
    private KernelFiles() {
    }

    public static String read(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public static String readLatin1(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
