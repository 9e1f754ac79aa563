package pooltag.linux.procfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rebuilds, in a temporary folder, the procfs/sysfs files captured from a real Linux 6.18 machine
 * ({@code src/test/resources/procfs/linux-6.18-x86_64}): proc/slabinfo and proc/vmallocinfo verbatim, and
 * sys/kernel/slab from its manifest (symbolic links for merged names, directories with reclaim_account).
 */
final class CapturedTree {
    static final String BASE = "/procfs/linux-6.18-x86_64/";

    private CapturedTree() {
    }

    static String resource(String name) {
        try (InputStream in = CapturedTree.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + BASE + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path build(Path root) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/slabinfo"), resource("slabinfo"), StandardCharsets.ISO_8859_1);
        Files.writeString(root.resolve("proc/vmallocinfo"), resource("vmallocinfo"), StandardCharsets.ISO_8859_1);
        Path slab = Files.createDirectories(root.resolve("sys/kernel/slab"));
        for (String line : resource("sys-kernel-slab.manifest").split("\n")) {
            String[] f = line.split(" ");
            if (f[0].equals("D")) {
                Path d = Files.createDirectories(slab.resolve(f[1]));
                Files.writeString(d.resolve("reclaim_account"), f[2] + "\n");
                Files.writeString(d.resolve("object_size"), f[3] + "\n");
            }
        }
        for (String line : resource("sys-kernel-slab.manifest").split("\n")) {
            String[] f = line.split(" ");
            if (f[0].equals("L")) {
                Files.createSymbolicLink(slab.resolve(f[1]), Path.of(f[2]));
            }
        }
        return root;
    }
}
