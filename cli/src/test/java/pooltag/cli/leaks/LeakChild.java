package pooltag.cli.leaks;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The leak corpus's one child process and its one handshake, for every live test: {@code leaker.c} (test resources)
 * compiled with gcc once per source version, started as {@code leaker KIND COUNT RATE}. It prepares, says
 * {@code READY <pid>}, leaks on {@link #go()} at exactly RATE objects per second through one system call per object,
 * says {@code DONE <n>}, and holds everything until {@link #close()} closes its stdin; it then removes what outlives
 * a process (SysV queues and semaphore sets, the hugetlbfs kind's mount) and exits, and the kernel frees the rest.
 *
 * <p>Kinds (the ground truth of each, measured on 6.18, is in {@code leaks/GROUND-TRUTH.md}): pipe, unix, udp, tcp,
 * inotify, fanotify, epoll, eventfd, timerfd, signalfd, msg, sem, key, mq, memfd. One more, {@value #PRIVATE_KIND},
 * is not a leak of the corpus but the tests' way to allocate what nobody else does ({@link #PRIVATE_TAG}).
 */
public final class LeakChild implements AutoCloseable {
    public static final List<String> KINDS = List.of("pipe", "unix", "udp", "tcp", "inotify", "fanotify", "epoll",
            "eventfd", "timerfd", "signalfd", "msg", "sem", "key", "mq", "memfd");

    /**
     * Files on the child's own hugetlbfs mount, made by open(2) one each, unmounted when the child ends (SIGKILL
     * leaves the mount under /tmp). For a test that must judge only what its child did: a slab count or a hit tag
     * is the whole machine's, and the tags a test used before (pipes, tmpfs inodes) are made by whatever else the
     * machine runs.
     */
    public static final String PRIVATE_KIND = "hugetlbfs";
    /**
     * The cache of {@link #PRIVATE_KIND}'s objects: with a constructor, so SLUB never merges it with another cache,
     * and used only by hugetlbfs inodes: the child's files, and otherwise the kernel's own hugetlbfs mounts when a
     * process maps huge pages (MAP_HUGETLB, SHM_HUGETLB, MFD_HUGETLB) or uses /dev/hugepages, which a test machine
     * does rarely if at all; tests that also filter by the child's pid are immune even to that.
     */
    public static final String PRIVATE_TAG = "hugetlbfs_inode_cache";

    private final Process process;
    private final BufferedReader out;
    private final long pid;
    private final String kind;
    /** queues_max as found, to restore on close; -1 when this child did not raise it. */
    private final long mqQueuesMaxFound;

    private LeakChild(String kind, Process process, long mqQueuesMaxFound) throws IOException {
        this.kind = kind;
        this.process = process;
        this.mqQueuesMaxFound = mqQueuesMaxFound;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (ready == null || !ready.startsWith("READY ")) {
            close();
            throw new IOException(kind + " leaker did not get ready: " + ready);
        }
        this.pid = Long.parseLong(ready.substring(6).trim());
    }

    /** Skips the calling test, saying so, on a kernel without hugetlbfs (no {@link #PRIVATE_KIND} there). */
    public static void assumePrivateKind(String test) throws IOException {
        boolean present = Files.readString(Path.of("/proc/filesystems")).contains("\thugetlbfs\n")
                && Files.isDirectory(Path.of("/sys/kernel/slab", PRIVATE_TAG));
        if (!present) {
            System.out.println(test + ": skipped: this kernel has no hugetlbfs (CONFIG_HUGETLBFS)");
        }
        assumeTrue(present, "no hugetlbfs");
    }

    /** Starts a leaker and returns once it is prepared (skips the test when gcc is missing). */
    public static LeakChild start(String kind, int count, double rate) throws IOException {
        Path bin = binary();
        long found = kind.equals("mq") ? raiseMqQueuesMax(count) : -1;
        try {
            Process p = new ProcessBuilder(bin.toString(), kind, Integer.toString(count), Double.toString(rate))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new LeakChild(kind, p, found);
        } catch (IOException | RuntimeException e) {
            restoreMqQueuesMax(found);
            throw e;
        }
    }

    private static final Path MQ_QUEUES_MAX = Path.of("/proc/sys/fs/mqueue/queues_max");

    /**
     * POSIX queues count against fs.mqueue.queues_max (256 by default) unless the caller has CAP_SYS_RESOURCE, which
     * root lacks on this machine (a container's bounding set), so a leak of more than ~250 queues would stop at the
     * limit rather than grow for the whole hunt. Raises the limit to fit {@code count} more queues and returns the
     * value found, which {@link #close()} restores once the leaker has exited and its queues are gone.
     */
    private static long raiseMqQueuesMax(int count) throws IOException {
        // One read(2) of the whole value: a sysctl integer answers only at offset 0, so a reader that takes one byte
        // and then reads on (Files.readString does, on a file whose size is 0) gets "2" of "256", and restoring that
        // would leave the machine with queues_max 2.
        long found;
        try (InputStream in = Files.newInputStream(MQ_QUEUES_MAX)) {
            found = Long.parseLong(new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim());
        }
        Files.writeString(MQ_QUEUES_MAX, Long.toString(found + count + 64));
        return found;
    }

    private static void restoreMqQueuesMax(long found) {
        if (found < 0) {
            return;
        }
        try {
            Files.writeString(MQ_QUEUES_MAX, Long.toString(found));
        } catch (IOException e) {
            System.err.println("LeakChild: could not restore " + MQ_QUEUES_MAX + " to " + found + ": " + e.getMessage());
        }
    }

    public long pid() {
        return pid;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Starts leaking; returns at once. */
    public void go() throws IOException {
        OutputStream o = process.getOutputStream();
        o.write("GO\n".getBytes(StandardCharsets.US_ASCII));
        o.flush();
    }

    /** Starts leaking and waits until every object is made. */
    public void leak() throws IOException {
        go();
        awaitDone();
    }

    /** Waits for {@code DONE n}; returns n. */
    public long awaitDone() throws IOException {
        String done = out.readLine();
        if (done == null || !done.startsWith("DONE ")) {
            throw new IOException(kind + " leaker said '" + done + "', expected DONE");
        }
        return Long.parseLong(done.substring(5).trim());
    }

    /** Closes its stdin (it cleans up and exits), waits up to 10 s, then kills it. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy(); // SIGTERM: it still removes what outlives it; SIGKILL would leave that behind
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        } finally {
            // The leaker has exited (or been killed): its queues are gone, so the old limit holds again.
            restoreMqQueuesMax(mqQueuesMaxFound);
        }
    }

    private static Path compiled;

    /** Compiles leaker.c into java.io.tmpdir once per source hash (kept: later runs reuse it). */
    static synchronized Path binary() throws IOException {
        if (compiled != null) {
            return compiled;
        }
        byte[] src;
        try (InputStream in = LeakChild.class.getResourceAsStream("/leaks/leaker.c")) {
            if (in == null) {
                throw new IOException("leaks/leaker.c is not on the test class path");
            }
            src = in.readAllBytes();
        }
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(src)).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "pooltag-leaker-" + hash);
        Path bin = dir.resolve("leaker");
        if (!Files.isExecutable(bin)) {
            boolean gcc = Files.isExecutable(Path.of("/usr/bin/gcc")) || Files.isExecutable(Path.of("/usr/bin/cc"));
            if (!gcc) {
                System.err.println("LeakChild: no C compiler (/usr/bin/gcc or cc): the leak corpus cannot run");
            }
            assumeTrue(gcc, "needs gcc to build the leak corpus");
            Files.createDirectories(dir);
            Path c = dir.resolve("leaker.c");
            Files.write(c, src);
            Path tmp = dir.resolve("leaker.tmp" + ProcessHandle.current().pid());
            Process p = new ProcessBuilder(Files.isExecutable(Path.of("/usr/bin/gcc")) ? "/usr/bin/gcc" : "/usr/bin/cc",
                    "-O2", "-o", tmp.toString(), c.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (p.waitFor() != 0) {
                    throw new IOException("gcc failed on leaker.c: " + log);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while compiling leaker.c");
            }
            Files.move(tmp, bin, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        compiled = bin;
        return bin;
    }
}
