package pooltag.linux.tracefs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import pooltag.core.error.PooltagException;

/**
 * The tracefs mount: found in {@code /proc/mounts} (tracefs itself, or {@code tracing/} under a debugfs mount), or
 * mounted at {@code /sys/kernel/tracing} as libtracefs does when absent. Never writes the top-level instance's files.
 */
public final class Tracefs {
    /** Our instances are named {@code pooltag-<pid>}; nothing else under {@code instances/} is ever touched. */
    public static final String INSTANCE_PREFIX = "pooltag-";

    private final Path root;

    private Tracefs(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path instancesDir() {
        return root.resolve("instances");
    }

    /** A tracefs at a given directory (tests pass a fake tree). */
    public static Tracefs at(Path root) {
        if (!Files.isDirectory(root.resolve("instances"))) {
            throw new PooltagException(root + " is not a tracefs mount (no instances/ directory)");
        }
        return new Tracefs(root);
    }

    /** Finds tracefs, mounting it when absent. */
    public static Tracefs locate() {
        Path found = findMounted(readMounts());
        if (found != null) {
            return at(found);
        }
        Path target = Path.of("/sys/kernel/tracing");
        String why;
        try {
            Process p = new ProcessBuilder("mount", "-t", "tracefs", "nodev", target.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            int rc = p.waitFor();
            why = rc == 0 ? null : "mount exited " + rc + (out.isEmpty() ? "" : ": " + out);
        } catch (IOException e) {
            why = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        Path now = findMounted(readMounts());
        if (now == null) {
            throw new PooltagException("tracefs is not mounted and mounting it at " + target + " failed ("
                    + why + "); run as root or mount it: mount -t tracefs nodev " + target);
        }
        return at(now);
    }

    private static String readMounts() {
        try {
            return KernelFiles.read(Path.of("/proc/mounts"));
        } catch (IOException e) {
            throw new PooltagException("cannot read /proc/mounts: " + e.getMessage(), e);
        }
    }

    /** The tracefs directory named by a {@code /proc/mounts} text, preferring a tracefs mount to debugfs. */
    static Path findMounted(String mounts) {
        Path debugfs = null;
        for (String line : mounts.split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 3) {
                continue;
            }
            String dir = f[1].replace("\\040", " ");
            if (f[2].equals("tracefs")) {
                return Path.of(dir);
            }
            if (f[2].equals("debugfs") && Files.isDirectory(Path.of(dir, "tracing", "instances"))) {
                debugfs = Path.of(dir, "tracing");
            }
        }
        return debugfs;
    }

    /** Names of instances {@code pooltag-<pid>} whose process is gone. */
    public List<String> staleInstances() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(instancesDir())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!n.startsWith(INSTANCE_PREFIX)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(n.substring(INSTANCE_PREFIX.length()));
                } catch (NumberFormatException e) {
                    continue; // not one of ours by our naming rule
                }
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
                    out.add(n);
                }
            }
        } catch (IOException e) {
            throw new PooltagException("cannot list " + instancesDir() + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    /**
     * Removes instances left by pooltag processes that died (SIGKILL, crash) and says so on {@code err}, one line.
     *
     * @return the names removed
     */
    public List<String> removeStaleInstances(PrintStream err) {
        List<String> stale = staleInstances();
        List<String> removed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String name : stale) {
            try {
                TracefsInstance.teardownDirectory(instancesDir().resolve(name));
                removed.add(name);
            } catch (PooltagException e) {
                failed.add(name + " (" + e.getMessage() + ")");
            }
        }
        if (!removed.isEmpty()) {
            err.println("pooltag: removed stale tracefs instance" + (removed.size() > 1 ? "s " : " ")
                    + String.join(", ", removed) + " left by a pooltag process that no longer runs");
        }
        if (!failed.isEmpty()) {
            err.println("pooltag: could not remove stale instance(s): " + String.join("; ", failed));
        }
        return removed;
    }
}
