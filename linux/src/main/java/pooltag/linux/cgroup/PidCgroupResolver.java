package pooltag.linux.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.event.AllocEvent;
import pooltag.core.ledger.CgroupResolver;

/**
 * The cgroup of the task behind each allocation event, for {@code --tag-by cgroup}: the memory hierarchy's path from
 * {@code /proc/<pid>/cgroup}, read once per task and kept in a bounded primitive table (pid, start time, cgroup id).
 *
 * <p><b>Never guessed.</b> An event raised in hard-irq, soft-irq or NMI context (its {@code common_flags}) is charged
 * to {@code [hardirq]}, {@code [softirq]} or {@code [nmi]}: its pid is whoever was interrupted. A kernel thread
 * ({@code PF_KTHREAD} in {@code /proc/<pid>/stat}) and pid 0 are {@code [kernel thread]}. A task gone before its
 * files were read is {@code [exited]}; one whose file has no memory line is {@code [no memory cgroup]}.
 *
 * <p><b>Exits, pid reuse, moves.</b> Once per {@link #REVALIDATE_NANOS} of event time the table is checked: a task
 * whose {@code /proc/<pid>/stat} is gone is dropped (an exit), one whose start time changed is dropped (the pid was
 * reused: the next event re-reads it), one whose cgroup changed gets its new cgroup (a task moved into a
 * container's cgroup). Between checks an event of a moved task is charged to its old cgroup, and a pid found gone is
 * answered {@code [exited]} without another read (a new task that reuses it that soon is charged there too): at most
 * one period each.
 *
 * <p><b>Costs.</b> Per event: a context-bit test and one probe of an open-addressing {@code int} table, no
 * allocation. Per new task: two small file reads. Per check: two file reads per known task. At most
 * {@link #MAX_TASKS} tasks are kept; when full the table is emptied and refilled ({@link #resets()} counts it).
 * Writer thread only.
 */
public final class PidCgroupResolver implements CgroupResolver {
    /** Tasks kept; a busy host runs a few thousand. */
    public static final int MAX_TASKS = 32_768;
    /** How often (event time) the table is checked for exits, pid reuse and moves. */
    public static final long REVALIDATE_NANOS = 1_000_000_000L;
    /** {@code PF_KTHREAD} in {@code /proc/<pid>/stat}'s flags ({@code include/linux/sched.h}). */
    static final long PF_KTHREAD = 0x00200000L;

    public static final int HARDIRQ = 0;
    public static final int SOFTIRQ = 1;
    public static final int NMI = 2;
    public static final int KERNEL_THREAD = 3;
    public static final int EXITED = 4;
    public static final int NO_MEMORY_CGROUP = 5;
    private static final String[] CONTEXTS = {"[hardirq]", "[softirq]", "[nmi]", "[kernel thread]", "[exited]",
            "[no memory cgroup]"};

    private static final int CAPACITY = Integer.highestOneBit(MAX_TASKS * 2 - 1) << 1;
    private static final int EMPTY = -1;

    private final Path proc;
    private final CgroupHierarchy hierarchy;

    // Open addressing, linear probing: key pid (EMPTY = free), value cgroup id, start time (clock ticks since boot).
    private int[] pids = newKeys();
    private int[] ids = new int[CAPACITY];
    private long[] starts = new long[CAPACITY];
    private int size;

    private final List<String> paths = new ArrayList<>();
    private final Map<String, Integer> idOfPath = new HashMap<>();
    /** Every (pid, start time) → path this resolver has seen, in order: what a recording carries. Bounded like the table. */
    private final java.util.Set<String> seen = new java.util.LinkedHashSet<>();

    /** Told every decision (a recording keeps them for an offline replay), or null. */
    private DecisionListener listener;
    /** The timestamp of the event being resolved: when a decision takes effect. */
    private long nowNanos;

    private boolean checkStarted;
    private long lastCheck;
    private long resolved, exits, reuses, moves, resets, exitedBeforeRead;

    public PidCgroupResolver(Path procRoot, CgroupHierarchy hierarchy) {
        this.proc = procRoot;
        this.hierarchy = hierarchy;
        for (String c : CONTEXTS) {
            intern(c);
        }
    }

    /**
     * Told each time the resolver decides a task's cgroup: on the task's first event (or its first after an exit, a
     * pid reuse or a table reset was noticed), and when a check finds it moved. A replay that charges each event of
     * a pid to the pid's latest decision at or before the event's time charges it as this resolver did. Writer
     * thread; called once per task decision, never per event.
     */
    @FunctionalInterface
    public interface DecisionListener {
        /** @param path the cgroup's path or the context's name ({@code [exited]}, {@code [kernel thread]}, ...) */
        void decided(long eventNanos, int pid, String path);
    }

    /** Sets the decision listener (null for none); before the first event. */
    public PidCgroupResolver onDecision(DecisionListener l) {
        this.listener = l;
        return this;
    }

    /** The name of a context id ({@link #HARDIRQ} .. {@link #NO_MEMORY_CGROUP}). */
    public static String contextName(int id) {
        return CONTEXTS[id];
    }

    /** Context ids, {@link #HARDIRQ} .. {@link #NO_MEMORY_CGROUP}. */
    public static int contexts() {
        return CONTEXTS.length;
    }

    /** The running system: {@code /proc} and its memory hierarchy. */
    public static PidCgroupResolver live() {
        return new PidCgroupResolver(Path.of("/proc"), CgroupHierarchy.live());
    }

    private static int[] newKeys() {
        int[] k = new int[CAPACITY];
        Arrays.fill(k, EMPTY);
        return k;
    }

    @Override
    public int cgroupOf(AllocEvent e) {
        int flags = e.contextFlags();
        if ((flags & AllocEvent.CONTEXT_NMI) != 0) {
            return NMI;
        }
        if ((flags & AllocEvent.CONTEXT_HARDIRQ) != 0) {
            return HARDIRQ;
        }
        if ((flags & AllocEvent.CONTEXT_SOFTIRQ) != 0) {
            return SOFTIRQ;
        }
        long now = e.timestampNanos();
        nowNanos = now;
        if (!checkStarted) {
            checkStarted = true;
            lastCheck = now;
        } else if (now - lastCheck >= REVALIDATE_NANOS) {
            revalidate();
            lastCheck = now;
        }
        return ofPid(e.pid());
    }

    /** The cgroup id of a task, reading its files on first sight. */
    public int ofPid(int pid) {
        if (pid <= 0) {
            return KERNEL_THREAD;
        }
        int i = slot(pid);
        if (pids[i] == pid) {
            return ids[i];
        }
        long[] stat = stat(pid);
        int id;
        long start;
        if (stat == null) {
            // Gone before we looked (events arrive up to a second late). Remembered as exited until the next
            // check, so its remaining events cost a probe, not a failed file read each.
            exitedBeforeRead++;
            id = EXITED;
            start = -1;
        } else {
            id = (stat[0] & PF_KTHREAD) != 0 ? KERNEL_THREAD : readCgroup(pid);
            start = stat[1];
            if (id == EXITED) {
                exitedBeforeRead++;
                start = -1;
            } else {
                resolved++;
            }
        }
        if (size >= MAX_TASKS) {
            pids = newKeys();
            size = 0;
            resets++;
            i = slot(pid);
        }
        pids[i] = pid;
        ids[i] = id;
        starts[i] = start;
        size++;
        if (id != EXITED) {
            remember(pid, start, id);
        }
        if (listener != null) {
            listener.decided(nowNanos, pid, paths.get(id));
        }
        return id;
    }

    private void remember(int pid, long start, int id) {
        if (seen.size() < MAX_TASKS) {
            seen.add(pid + "\n" + start + "\n" + paths.get(id));
        }
    }

    /** The slot holding {@code pid}, or the free slot where it would go. */
    private int slot(int pid) {
        int m = CAPACITY - 1;
        int i = (pid * 0x9E3779B9) >>> 1 & m;
        while (pids[i] != EMPTY && pids[i] != pid) {
            i = (i + 1) & m;
        }
        return i;
    }

    @Override
    public String path(int id) {
        return paths.get(id);
    }

    /** Re-reads every known task: drops the exited and the reused, follows the moved. Rebuilds the table. */
    void revalidate() {
        int[] oPids = pids;
        int[] oIds = ids;
        long[] oStarts = starts;
        pids = newKeys();
        ids = new int[CAPACITY];
        starts = new long[CAPACITY];
        size = 0;
        for (int s = 0; s < oPids.length; s++) {
            int pid = oPids[s];
            if (pid == EMPTY) {
                continue;
            }
            if (oIds[s] == EXITED) {
                continue; // forget it: a new task with this pid is read afresh
            }
            long[] stat = stat(pid);
            if (stat == null) {
                exits++;
                continue;
            }
            if (stat[1] != oStarts[s]) {
                reuses++;
                continue;
            }
            int id = oIds[s];
            if (id != KERNEL_THREAD) {
                int now = readCgroup(pid);
                if (now == EXITED) {
                    exits++;
                    continue;
                }
                if (now != id) {
                    moves++;
                    id = now;
                    remember(pid, stat[1], id);
                    if (listener != null) {
                        listener.decided(nowNanos, pid, paths.get(id));
                    }
                }
            }
            int i = slot(pid);
            pids[i] = pid;
            ids[i] = id;
            starts[i] = oStarts[s];
            size++;
        }
    }

    /** {flags, start time} from {@code /proc/<pid>/stat}, or null when the task is gone. */
    private long[] stat(int pid) {
        String s = read(proc.resolve(Integer.toString(pid)).resolve("stat"));
        return s == null ? null : parseStat(s);
    }

    /** {flags (field 9), starttime (field 22)} of a {@code /proc/<pid>/stat} line; null when malformed. */
    static long[] parseStat(String s) {
        int close = s.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        String[] f = s.substring(close + 1).trim().split(" ");
        // f[0] is field 3 (state): flags is field 9 = f[6], starttime field 22 = f[19].
        if (f.length < 20) {
            return null;
        }
        try {
            return new long[] {Long.parseUnsignedLong(f[6]), Long.parseUnsignedLong(f[19])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private int readCgroup(int pid) {
        String text = read(proc.resolve(Integer.toString(pid)).resolve("cgroup"));
        if (text == null) {
            return EXITED;
        }
        String path = hierarchy.pathIn(text);
        return path == null ? NO_MEMORY_CGROUP : intern(path);
    }

    private int intern(String path) {
        Integer id = idOfPath.get(path);
        if (id != null) {
            return id;
        }
        int n = paths.size();
        paths.add(path);
        idOfPath.put(path, n);
        return n;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** Tasks known now. */
    public int size() {
        return size;
    }

    /** Tasks resolved from their files. */
    public long resolved() {
        return resolved;
    }

    /** Tasks dropped because they exited. */
    public long exits() {
        return exits;
    }

    /** Tasks dropped because their pid now belongs to another task (start time changed). */
    public long reuses() {
        return reuses;
    }

    /** Tasks seen to move to another cgroup. */
    public long moves() {
        return moves;
    }

    /** Times the full table was emptied to make room. */
    public long resets() {
        return resets;
    }

    /** Events whose task was gone before its files could be read (charged to {@code [exited]}). */
    public long exitedBeforeRead() {
        return exitedBeforeRead;
    }

    /**
     * Every task seen with the cgroup it was charged to, oldest first: {@code {pid, startTime, path}} triples as
     * strings (for a recording's cgroup section). Bounded by {@link #MAX_TASKS}.
     */
    public List<String[]> seenTasks() {
        List<String[]> out = new ArrayList<>(seen.size());
        for (String v : seen) {
            out.add(v.split("\n", 3));
        }
        return out;
    }
}
