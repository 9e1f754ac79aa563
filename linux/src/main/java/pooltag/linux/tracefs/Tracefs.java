package pooltag.linux.tracefs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import pooltag.core.error.PooltagException;

/**
 * The tracefs mount: found in {@code /proc/mounts} (tracefs itself, or {@code tracing/} under a debugfs mount), or
 * mounted at {@code /sys/kernel/tracing} as libtracefs does when absent. Never writes the top-level instance's files.
 */
public final class Tracefs {
    /**
     * Our instances are named {@code pooltag-<pid>-<pidns>-<starttime>} ({@link InstanceOwner}); nothing else under
     * {@code instances/} is ever touched, and ours only once their owner is provably dead.
     */
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

    /**
     * A tracefs at a given directory (tests pass a fake tree). A directory this user may not enter (debugfs is mode
     * 700, and tracefs under it with it) is said to be that, not "not a tracefs": the cure is root, not another mount.
     */
    public static Tracefs at(Path root) {
        Path instances = root.resolve("instances");
        try {
            if (Files.readAttributes(instances, BasicFileAttributes.class).isDirectory()) {
                return new Tracefs(root);
            }
        } catch (AccessDeniedException e) {
            throw new PooltagException("cannot reach " + instances + ": permission denied (the kernel lets only root"
                    + " trace); run pooltag as root, e.g. sudo ./pooltag ...", e);
        } catch (NoSuchFileException e) {
            // not there: not a tracefs, below
        } catch (IOException e) {
            throw new PooltagException("cannot read " + instances + ": " + e.getMessage(), e);
        }
        throw new PooltagException(root + " is not a tracefs mount (no instances/ directory)");
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

    /** Names of our instances whose owner is provably dead ({@link InstanceOwner#verdict}), sorted. */
    public List<String> staleInstances() {
        List<String> out = new ArrayList<>();
        for (Judged j : judge(Path.of("/proc"))) {
            if (j.verdict().kind() == InstanceOwner.Verdict.Kind.DEAD) {
                out.add(j.name());
            }
        }
        return out;
    }

    /** An instance of ours and what {@code /proc} proves about its owner. */
    record Judged(String name, InstanceOwner.Verdict verdict) {
    }

    /**
     * Every instance named by our rule, judged from {@code proc} alone: nothing under tracefs is read or written
     * here. Names that do not parse as {@code pooltag-<pid>[-<pidns>-<starttime>]} are not ours and are skipped.
     */
    List<Judged> judge(Path proc) {
        InstanceOwner self = InstanceOwner.current(proc);
        List<Judged> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(instancesDir())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                InstanceOwner owner = InstanceOwner.parse(n);
                if (owner == null || owner.equals(self) || (owner.legacy() && owner.pid() == self.pid())) {
                    continue;
                }
                out.add(new Judged(n, owner.verdict(self, proc)));
            }
        } catch (IOException e) {
            throw new PooltagException("cannot list " + instancesDir() + ": " + e.getMessage(), e);
        }
        out.sort(java.util.Comparator.comparing(Judged::name));
        return out;
    }

    /**
     * Removes instances left by pooltag processes that died (SIGKILL, crash) and says so on {@code err}, one line.
     *
     * @return the names removed
     */
    public List<String> removeStaleInstances(PrintStream err) {
        return removeStaleInstances(err, Path.of("/proc"));
    }

    List<String> removeStaleInstances(PrintStream err, Path proc) {
        List<String> removed = new ArrayList<>();
        List<String> why = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Judged j : judge(proc)) {
            if (j.verdict().kind() != InstanceOwner.Verdict.Kind.DEAD) {
                continue; // alive, or not provably dead: never touched
            }
            try {
                TracefsInstance.teardownDirectory(instancesDir().resolve(j.name()));
                removed.add(j.name());
                why.add(j.verdict().reason());
            } catch (PooltagException e) {
                failed.add(j.name() + " (" + e.getMessage() + ")");
            }
        }
        if (!removed.isEmpty()) {
            err.println("pooltag: removed stale tracefs instance" + (removed.size() > 1 ? "s " : " ")
                    + String.join(", ", removed) + " left by a pooltag process that no longer runs ("
                    + String.join("; ", new java.util.LinkedHashSet<>(why)) + ")");
        }
        if (!failed.isEmpty()) {
            err.println("pooltag: could not remove stale instance(s): " + String.join("; ", failed));
        }
        return removed;
    }
}
