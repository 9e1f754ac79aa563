package pooltag.linux.tracefs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import pooltag.core.error.PooltagException;
import pooltag.linux.procfs.ThreadIds;

/**
 * Who made a tracefs instance, as its name says: {@code pooltag-<pid>-<pidns>-<starttime>}, where {@code pid} is the
 * owner's pid in its own PID namespace, {@code pidns} that namespace's inode ({@code /proc/self/ns/pid}) and
 * {@code starttime} the owner's start time in clock ticks after boot ({@code /proc/<pid>/stat} field 22). The three
 * together name one process for the life of the machine: a pid alone is reused, and means another process in another
 * namespace. Names of the first release, {@code pooltag-<pid>}, parse as {@linkplain #legacy() legacy} owners.
 *
 * <p>{@link #verdict} decides from {@code /proc} alone (it reads nothing under tracefs) whether the owner is
 * provably dead. Only a {@link Verdict.Kind#DEAD} instance may be swept; anything the reader cannot see (an owner in a
 * PID namespace that is not ours nor below ours, a {@code /proc} of another namespace) is {@link Verdict.Kind#UNKNOWN}
 * and left alone.
 */
public record InstanceOwner(long pid, long pidNamespace, long startTime) {
    /** {@code PROC_PID_INIT_INO} (include/linux/proc_ns.h): the initial PID namespace's inode, fixed in every kernel. */
    static final long INITIAL_PID_NAMESPACE = 0xEFFFFFFCL;

    /** What the sweep may do with an instance, and why (one phrase for the user). */
    public record Verdict(Kind kind, String reason) {
        public enum Kind { ALIVE, DEAD, UNKNOWN }
    }

    public boolean legacy() {
        return pidNamespace == 0;
    }

    public String instanceName() {
        return Tracefs.INSTANCE_PREFIX + pid + "-" + pidNamespace + "-" + startTime;
    }

    /** This process, read from {@code /proc/self}. */
    public static InstanceOwner current() {
        return current(Path.of("/proc"));
    }

    /** A running process of this PID namespace (tests name their children's instances with it). */
    public static InstanceOwner of(long pid) {
        Path p = Path.of("/proc", Long.toString(pid));
        try {
            return new InstanceOwner(pid, namespaceInode(p), startTime(p));
        } catch (IOException | RuntimeException e) {
            throw new PooltagException("cannot read the PID namespace and start time of pid " + pid + ": "
                    + e.getMessage(), e);
        }
    }

    static InstanceOwner current(Path proc) {
        long pid = ProcessHandle.current().pid();
        try {
            return new InstanceOwner(pid, namespaceInode(proc.resolve("self")), startTime(proc.resolve("self")));
        } catch (IOException | RuntimeException e) {
            throw new PooltagException("cannot read this process's PID namespace and start time from " + proc
                    + "/self: " + e.getMessage(), e);
        }
    }

    /** The owner named by an instance name, or null when the name is not one of ours. */
    public static InstanceOwner parse(String name) {
        if (!name.startsWith(Tracefs.INSTANCE_PREFIX)) {
            return null;
        }
        String[] f = name.substring(Tracefs.INSTANCE_PREFIX.length()).split("-", -1);
        try {
            if (f.length == 1) {
                return positive(Long.parseLong(f[0]), 0, -1);
            }
            if (f.length == 3) {
                return positive(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    private static InstanceOwner positive(long pid, long ns, long start) {
        return pid > 0 && ns >= 0 && (ns == 0 ? start == -1 : start >= 0) ? new InstanceOwner(pid, ns, start) : null;
    }

    /**
     * Whether this owner is provably dead, judged by a process {@code self} through {@code proc} (the {@code /proc}
     * of the machine; tests pass a fake tree).
     */
    public Verdict verdict(InstanceOwner self, Path proc) {
        if (!procIsOurs(self, proc)) {
            return unknown("this process's " + proc + " belongs to another PID namespace");
        }
        boolean weSeeAll = self.pidNamespace == INITIAL_PID_NAMESPACE;
        if (legacy()) {
            // A first-release name: no namespace, no start time. Dead only if no process in any namespace has that
            // pid, which only a reader in the initial namespace can know.
            if (!weSeeAll) {
                return unknown("an old-style name, and this process cannot see every PID namespace");
            }
            Scan s = scan(proc, -1, pid, -1);
            if (s.unreadable) {
                return unknown("some processes' namespaces could not be read");
            }
            return s.owners == 0 ? dead("no process in any PID namespace has pid " + pid)
                    : unknown("an old-style name whose pid " + pid + " is in use");
        }
        if (pidNamespace == self.pidNamespace) {
            try {
                long st = startTime(proc.resolve(Long.toString(pid)));
                if (st == EXITED) {
                    return dead("pid " + pid + " has exited (a zombie)");
                }
                return st == startTime ? new Verdict(Verdict.Kind.ALIVE, "pid " + pid + " runs")
                        : dead("pid " + pid + " now belongs to another process (started at tick " + st
                        + ", the owner at " + startTime + ")");
            } catch (NoSuchFileException e) {
                return dead("pid " + pid + " is gone");
            } catch (IOException | RuntimeException e) {
                return unknown("cannot read " + proc + "/" + pid + "/stat: " + e.getMessage());
            }
        }
        // Another namespace. Every process of a namespace below ours is visible to us, so seeing one of its processes
        // proves we see all of them; seeing none proves the namespace empty only from the initial namespace.
        Scan s = scan(proc, pidNamespace, pid, startTime);
        if (s.owners > 0) {
            return new Verdict(Verdict.Kind.ALIVE, "pid " + pid + " of PID namespace " + pidNamespace + " runs");
        }
        if (s.unreadable) {
            return unknown("some processes' namespaces could not be read");
        }
        if (s.inNamespace > 0) {
            return dead("PID namespace " + pidNamespace + " runs, but its pid " + pid + " is gone or reused");
        }
        return weSeeAll ? dead("PID namespace " + pidNamespace + " has no process left")
                : unknown("its owner is in PID namespace " + pidNamespace + ", which this process cannot see");
    }

    private static Verdict dead(String why) {
        return new Verdict(Verdict.Kind.DEAD, why);
    }

    private static Verdict unknown(String why) {
        return new Verdict(Verdict.Kind.UNKNOWN, why);
    }

    /** {@code /proc/self} names our own pid only when {@code proc} was mounted for our PID namespace. */
    private static boolean procIsOurs(InstanceOwner self, Path proc) {
        try {
            return Files.readSymbolicLink(proc.resolve("self")).toString().equals(Long.toString(self.pid));
        } catch (IOException e) {
            return false;
        }
    }

    private static final class Scan {
        int inNamespace;
        int owners;
        boolean unreadable;
    }

    /**
     * Walks {@code proc}: counts the processes of namespace {@code ns} (any namespace when -1) and those among them
     * whose pid inside their own namespace is {@code pid} and whose start time is {@code start} (any when -1).
     */
    private static Scan scan(Path proc, long ns, long pid, long start) {
        Scan s = new Scan();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc,
                p -> ThreadIds.isTaskId(p.getFileName().toString()))) {
            for (Path p : ds) {
                try {
                    if (ns >= 0 && namespaceOf(p) != ns) {
                        continue;
                    }
                    s.inNamespace++;
                    if (innermostPid(p) == pid && (start < 0 || startTime(p) == start)) {
                        s.owners++;
                    }
                } catch (NoSuchFileException e) {
                    // exited while we looked: not the owner we are after, or it died just now
                } catch (IOException | RuntimeException e) {
                    s.unreadable = true;
                }
            }
        } catch (IOException e) {
            s.unreadable = true;
        }
        return s;
    }

    /**
     * The inode of a process's PID namespace, or -1 for "the namespace of this /proc" when the link is hidden: ptrace
     * rules hide {@code ns/pid} of some processes (a non-dumpable one, even from root), but {@code status} is public,
     * and an {@code NSpid:} line of one pid means the process lives in the /proc's own namespace. A hidden link of a
     * process in a namespace below throws: the caller cannot tell which namespace that is.
     */
    private static long namespaceOf(Path process) throws IOException {
        try {
            return namespaceInode(process);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            if (nsPids(process).length == 1) {
                return -1;
            }
            throw e;
        }
    }

    /** The inode of {@code <process>/ns/pid}, a link reading {@code pid:[4026531836]}. */
    static long namespaceInode(Path process) throws IOException {
        String link = Files.readSymbolicLink(process.resolve("ns").resolve("pid")).toString();
        int lb = link.indexOf('[');
        int rb = link.lastIndexOf(']');
        if (!link.startsWith("pid:") || lb < 0 || rb < lb) {
            throw new IOException("unexpected " + process + "/ns/pid link '" + link + "'");
        }
        return Long.parseLong(link.substring(lb + 1, rb));
    }

    /**
     * Field 22 of {@code <process>/stat}, counted after the last ')' since the command name may hold anything; -2 for
     * a process that has exited and waits to be reaped (state Z or X): it holds no file and traces nothing.
     */
    static long startTime(Path process) throws IOException {
        String stat = KernelFiles.read(process.resolve("stat"));
        int rp = stat.lastIndexOf(')');
        String[] f = rp < 0 ? new String[0] : stat.substring(rp + 1).trim().split(" ");
        if (f.length < 20) {
            throw new IOException("unexpected " + process + "/stat");
        }
        return f[0].equals("Z") || f[0].equals("X") ? EXITED : Long.parseLong(f[19]);
    }

    private static final long EXITED = -2;

    /** The last {@code NSpid:} field of {@code <process>/status}: the pid inside the process's own namespace. */
    static long innermostPid(Path process) throws IOException {
        long[] p = nsPids(process);
        return p[p.length - 1];
    }

    /** The {@code NSpid:} fields: the process's pid in the /proc's namespace, then in each namespace below. */
    private static long[] nsPids(Path process) throws IOException {
        for (String line : KernelFiles.read(process.resolve("status")).split("\n")) {
            if (line.startsWith("NSpid:")) {
                String[] f = line.substring(6).trim().split("\\s+");
                long[] out = new long[f.length];
                for (int i = 0; i < f.length; i++) {
                    out[i] = Long.parseLong(f[i]);
                }
                return out;
            }
        }
        throw new IOException("no NSpid line in " + process + "/status");
    }
}
