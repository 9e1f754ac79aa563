package pooltag.linux.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import pooltag.core.event.AllocEvent;
import pooltag.core.ledger.CgroupResolver;
import pooltag.linux.procfs.ThreadIds;

/**
 * The cgroup of the task behind each allocation event, for {@code --tag-by cgroup}: the memory hierarchy's path from
 * {@code /proc/<pid>/task/<pid>/cgroup}, read once per task and kept in a bounded primitive table (pid, start time,
 * cgroup id). A task born while tracing is placed at its birth: the session traces {@code task/task_newtask} beside
 * the kmem events, and the new task starts in its creator's cgroup ({@link #onNewTask}), so a task that is gone
 * before anything of it could be read is still charged to its cgroup.
 *
 * <p><b>Never guessed.</b> An event raised in hard-irq, soft-irq or NMI context (its {@code common_flags}) is charged
 * to {@code [hardirq]}, {@code [softirq]} or {@code [nmi]}: its pid is whoever was interrupted. A kernel thread
 * ({@code PF_KTHREAD} in {@code /proc/<pid>/stat}) and pid 0 are {@code [kernel thread]}. A task gone before its
 * files were read, and not placed at its birth, is {@code [exited]}; one whose file has no memory line is {@code [no memory cgroup]}.
 *
 * <p><b>Exits, pid reuse, moves.</b> Once per {@link #REVALIDATE_NANOS} of event time a check of the table is
 * started on a background thread ({@code pooltag-cgroup-check}), which re-reads every known task from a copy of the
 * table: a task whose {@code /proc/<pid>/stat} is gone is dropped (an exit), one whose start time changed is dropped
 * (the pid was reused: the next event re-reads it), one whose cgroup changed gets its new cgroup (a task moved into
 * a container's cgroup), and pids remembered as {@code [exited]} are forgotten. The check hands back only the
 * changes (volatile publication); the writer thread applies them at its next event, which is when they take effect
 * and the time the {@link DecisionListener} is told. A change is applied only to the entry it was found for (same
 * pid, start time and cgroup): an entry replaced meanwhile is left alone. Between checks an event of a moved task
 * is charged to its old cgroup, and a pid found gone is answered {@code [exited]} without another read (a new task
 * that reuses it that soon is charged there too): at most one period plus one check each.
 *
 * <p><b>Costs.</b> Per event on the writer thread: a context-bit test, a volatile read (a finished check?) and one
 * probe of an open-addressing {@code int} table, no allocation, no I/O for a known task. Per task born while tracing:
 * a probe for its creator at its birth and no file read ({@link #onNewTask}; the tasks alive before are read by
 * {@link #preload}, before tracing); two small file reads on the writer thread at its first event only when its birth
 * was not traced or not placed.
 * Per period: a copy of the occupied entries into arrays reused from check to check, then the check's file reads
 * (two per known task) off the writer thread, at most a tenth of the time ({@link #CHECK_DUTY}). At most
 * {@link #MAX_TASKS} tasks are kept; when full, one entry is evicted per new task (a rotating hand over the table;
 * {@link #evictions()} counts it): the evicted task is read again at its next event. At most {@link #MAX_PATHS}
 * distinct cgroup paths are kept; later new paths are answered {@code [other cgroups]} ({@link #foldedPaths()}).
 * Writer thread only, apart from the check and {@link #preload}.
 */
public final class PidCgroupResolver implements CgroupResolver {
    /** Tasks kept; a busy host runs a few thousand. */
    public static final int MAX_TASKS = 32_768;
    /** Distinct cgroup paths kept, contexts included (twice the ledger's cgroup tags: the ledger folds first). */
    public static final int MAX_PATHS = 8_192;
    /** How often (event time) the table is checked for exits, pid reuse and moves. */
    public static final long REVALIDATE_NANOS = 1_000_000_000L;
    /** {@code PF_KTHREAD} in {@code /proc/<pid>/stat}'s flags ({@code include/linux/sched.h}). */
    static final long PF_KTHREAD = 0x00200000L;
    /**
     * {@code PF_EXITING}: the task is exiting. In a v1 hierarchy its cgroup file then says {@code /}
     * ({@code proc_cgroup_show}), whatever its cgroup was, so the file is not read ({@link #hidesCgroup}); v2 keeps
     * showing the cgroup it was in.
     */
    static final long PF_EXITING = 0x00000004L;
    /**
     * {@code CLONE_INTO_CGROUP} ({@code include/uapi/linux/sched.h}, Linux 5.7+): {@code clone3} puts the new task in
     * the cgroup its arguments name instead of its creator's (crun and systemd start containers and services so).
     */
    static final long CLONE_INTO_CGROUP = 0x200000000L;
    /**
     * The start times of tasks placed at their birth ({@link #onNewTask}) or by a traced move, not read from
     * {@code /proc}: {@code BORN} and below, one stamp per placement ({@link #bornStamp}) so that a check's change for
     * one placement never matches a later placement of the same pid; the next check keeps the start time it reads.
     * Reuse of such a pid needs no start time: it is another birth, traced too.
     */
    static final long BORN = -2;

    public static final int HARDIRQ = 0;
    public static final int SOFTIRQ = 1;
    public static final int NMI = 2;
    public static final int KERNEL_THREAD = 3;
    public static final int EXITED = 4;
    public static final int NO_MEMORY_CGROUP = 5;
    /** New cgroup paths beyond {@link #MAX_PATHS}. */
    public static final int OTHER_CGROUPS = 6;
    private static final String[] CONTEXTS = {"[hardirq]", "[softirq]", "[nmi]", "[kernel thread]", "[exited]",
            "[no memory cgroup]", "[other cgroups]"};

    private static final int EMPTY = -1;

    /** One daemon thread for every resolver's checks: a check is file reads, seconds apart. */
    private static final Executor CHECKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pooltag-cgroup-check");
        t.setDaemon(true);
        return t;
    });

    private final Path proc;
    private final CgroupHierarchy hierarchy;
    private final int maxTasks;
    private final int capacity;
    private final Executor checker;

    // Open addressing, linear probing: key pid (EMPTY = free), value cgroup id, start time (clock ticks since boot).
    private final int[] pids;
    private final int[] ids;
    private final long[] starts;
    private int size;
    /** The eviction hand: the next slot looked at when the table is full. */
    private int hand;

    /** Path per cgroup id; append-only, so a check may read any id below the count it was handed. */
    private String[] paths = new String[64];
    private int pathCount;
    private final Map<String, Integer> idOfPath = new HashMap<>();

    /** Told every decision (a recording keeps them for an offline replay), or null. */
    private DecisionListener listener;
    /** The start time {@link #readTask} read last (clock ticks since boot), -1 for a task gone. Writer thread. */
    private long readStart;
    /** The timestamp of the event being resolved: when a decision takes effect. */
    private long nowNanos;

    private boolean checkStarted;
    private long lastCheck;
    /** A check was handed to the checker and its changes are not applied yet. Writer thread. */
    private boolean checking;
    /** The finished check's changes, set by the checker, taken by the writer thread. */
    private volatile Check ready;
    /** The one check buffer, reused: the writer thread fills its input, the checker its changes. */
    private final Check check;
    private long checks, resolved, preloaded, exits, reuses, moves, evictions, exitedBeforeRead, foldedPaths;
    /** Tasks placed at their birth in their creator's cgroup; births into another cgroup (read at first event). */
    private long born, bornIntoCgroup;
    /** Moves applied as traced ({@link #onTaskMove}), not found by a check. */
    private long movesTraced;
    /** Placements made so far: each gets its own {@link #BORN} stamp. */
    private long bornStamps;
    /**
     * The memory hierarchy's id as tracepoints name it ({@link #onTaskMove}), or -1: traced moves are not followed
     * (the checks still find them). Set by {@link #live} only when paths in events and in {@code /proc} agree.
     */
    private int movesHierarchy = -1;
    /**
     * Event time between check starts: {@link #REVALIDATE_NANOS}, or {@link #CHECK_DUTY} times the last check's
     * reading time when that is longer (a check paused that long in all: {@link #runCheck}), so the checker (two
     * file reads per known task) keeps to a tenth of a CPU however many tasks there are; the staleness bound of
     * exits and moves grows with it.
     */
    private long checkGap = REVALIDATE_NANOS;
    /** A check runs at most one part in this many of the time (see {@link #checkGap}). */
    static final int CHECK_DUTY = 10;
    /** Tasks a check reads between its pauses ({@link #runCheck}). */
    static final int CHECK_SLICE = 256;

    /** The event time from one check's start to the next after a check that took {@code tookNanos}. */
    static long checkGapAfter(long tookNanos) {
        return Math.max(REVALIDATE_NANOS, CHECK_DUTY * Math.max(0, tookNanos));
    }

    public PidCgroupResolver(Path procRoot, CgroupHierarchy hierarchy) {
        this(procRoot, hierarchy, MAX_TASKS, CHECKER);
    }

    /** @param checker runs each check (a test passes {@code Runnable::run} to check on the event's thread) */
    PidCgroupResolver(Path procRoot, CgroupHierarchy hierarchy, int maxTasks, Executor checker) {
        this.proc = procRoot;
        this.hierarchy = hierarchy;
        this.maxTasks = maxTasks;
        this.capacity = Integer.highestOneBit(maxTasks * 2 - 1) << 1;
        this.checker = checker;
        this.pids = new int[capacity];
        Arrays.fill(pids, EMPTY);
        this.ids = new int[capacity];
        this.starts = new long[capacity];
        this.check = new Check(maxTasks);
        for (String c : CONTEXTS) {
            intern(c);
        }
    }

    /**
     * Told each time the resolver decides a task's cgroup: on the task's first event (or its first after an exit, a
     * pid reuse or an eviction was noticed), and when a check finds it moved. A replay that charges each event of
     * a pid to the pid's latest decision at or before the event's time charges it as this resolver did. Writer
     * thread; called once per task decision, never per event.
     */
    @FunctionalInterface
    public interface DecisionListener {
        /** @param path the cgroup's path or the context's name ({@code [exited]}, {@code [kernel thread]}, ...) */
        void decided(long eventNanos, int pid, String path);
    }

    /**
     * Sets the decision listener (null for none); before the first event. The tasks already in the table (read by
     * {@link #preload} before tracing) are told at once, at event time 0: before every event, so a replay charges
     * their events to them as this resolver does.
     */
    public PidCgroupResolver onDecision(DecisionListener l) {
        this.listener = l;
        if (l != null) {
            for (int s = 0; s < capacity; s++) {
                if (pids[s] != EMPTY) {
                    l.decided(0, pids[s], paths[ids[s]]);
                }
            }
        }
        return this;
    }

    /** The name of a context id ({@link #HARDIRQ} .. {@link #OTHER_CGROUPS}). */
    public static String contextName(int id) {
        return CONTEXTS[id];
    }

    /** Context ids, {@link #HARDIRQ} .. {@link #OTHER_CGROUPS}. */
    public static int contexts() {
        return CONTEXTS.length;
    }

    /**
     * The running system: {@code /proc} and its memory hierarchy, with every task alive now already read
     * ({@link #preload}): call it before tracing starts.
     */
    public static PidCgroupResolver live() {
        PidCgroupResolver r = new PidCgroupResolver(Path.of("/proc"), CgroupHierarchy.live());
        r.followMovesIn(tracedHierarchyId(Path.of("/proc"), r.hierarchy));
        return r.preload();
    }

    /** The inode of the initial cgroup namespace ({@code PROC_CGROUP_INIT_INO}, {@code include/linux/proc_ns.h}). */
    static final String INIT_CGROUP_NS = "cgroup:[4026531835]";

    /**
     * The memory hierarchy's id for traced moves, or -1 when they cannot be followed: a traced move names its cgroup
     * by the path from the hierarchy's root, {@code /proc} by the path from the reader's cgroup namespace root, so the
     * two agree only in the initial cgroup namespace (inside a container's namespace the checks find moves).
     */
    static int tracedHierarchyId(Path proc, CgroupHierarchy hierarchy) {
        try {
            if (!Files.readSymbolicLink(proc.resolve("self/ns/cgroup")).toString().equals(INIT_CGROUP_NS)) {
                return -1;
            }
            return hierarchy.idIn(Files.readString(proc.resolve("self/cgroup"), StandardCharsets.UTF_8));
        } catch (IOException | UnsupportedOperationException e) {
            return -1; // no cgroup namespaces (kernel < 4.6) or no /proc: leave moves to the checks
        }
    }

    /** Follows traced moves in hierarchy {@code id} ({@link #onTaskMove}); -1 = do not. Before the first event. */
    PidCgroupResolver followMovesIn(int id) {
        this.movesHierarchy = id;
        return this;
    }

    /**
     * Reads every task alive now ({@code <proc>/<pid>/task/<tid>}, up to {@link #MAX_TASKS}) into the table, on the
     * calling thread, before tracing starts. Reason: a task's first event otherwise costs the writer thread (the
     * session's merge thread) two file reads; a host whose processes run thousands of threads made a hunt's merge
     * stall for seconds at the start, its backlog overflowed and events were lost (docs/PERFORMANCE.md, "cgroup
     * tags on a host with many threads"). Tasks born later are still read at their first event. A task that ends
     * meanwhile is dropped by the first check. An unreadable {@code proc} preloads nothing.
     */
    public PidCgroupResolver preload() {
        try (java.nio.file.DirectoryStream<Path> procs = Files.newDirectoryStream(proc)) {
            for (Path p : procs) {
                if (!ThreadIds.isTaskId(p.getFileName().toString())) {
                    continue;
                }
                try (java.nio.file.DirectoryStream<Path> tasks = Files.newDirectoryStream(p.resolve("task"))) {
                    for (Path t : tasks) {
                        String tid = t.getFileName().toString();
                        if (size >= maxTasks) {
                            return this;
                        }
                        if (ThreadIds.isTaskId(tid)) {
                            preloadTask(Integer.parseInt(tid));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended while listed: nothing of it to keep
                }
            }
        } catch (IOException e) {
            // no /proc to list: every task is read at its first event
        }
        return this;
    }

    /** One task of {@link #preload}: kept unless gone or already known. */
    private void preloadTask(int pid) {
        int i = slot(pid);
        if (pids[i] == pid) {
            return;
        }
        int id = readTask(pid);
        if (id != EXITED) {
            put(i, pid, id, readStart);
            preloaded++;
        }
    }

    /**
     * Reads a task's files: its cgroup id ({@link #KERNEL_THREAD} for a kernel thread, {@link #EXITED} when it is
     * gone, or exiting where its file no longer names its cgroup), its start time in {@link #readStart} (-1 when
     * gone).
     */
    private int readTask(int pid) {
        long[] stat = stat(pid);
        if (stat == null || hidesCgroup(stat)) {
            readStart = -1;
            return EXITED;
        }
        int id = (stat[0] & PF_KTHREAD) != 0 ? KERNEL_THREAD : readCgroup(pid);
        readStart = id == EXITED ? -1 : stat[1];
        return id;
    }

    /** Stores a task at its free slot {@code i}. */
    private void put(int i, int pid, int id, long start) {
        pids[i] = pid;
        ids[i] = id;
        starts[i] = start;
        size++;
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
        } else if (!checking && now - lastCheck >= checkGap) {
            startCheck();
            lastCheck = now;
        }
        if (checking && ready != null) {
            apply();
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
        int id = readTask(pid);
        if (id == EXITED) {
            // Gone before we looked (events arrive up to a second late). Remembered as exited until the next
            // check, so its remaining events cost a probe, not a failed file read each.
            exitedBeforeRead++;
        } else {
            resolved++;
        }
        if (size >= maxTasks) {
            evictOne();
            i = slot(pid);
        }
        put(i, pid, id, readStart);
        if (listener != null) {
            listener.decided(nowNanos, pid, paths[id]);
        }
        return id;
    }

    /**
     * A task was created ({@code task/task_newtask}, in event order: before any event of the new task). It starts in
     * its creator's cgroup: the kernel copies the creating task's cgroups to it ({@code cgroup_fork}), the creator
     * being the event's task, {@code current}, also under {@code CLONE_PARENT}. So the new task is placed now, from
     * its creator's entry (read first if unknown), with nothing read about the new task itself: a task that lives a
     * millisecond is charged to its cgroup, not to {@code [exited]}. Not placed, and read at its first event as
     * before: a task created with {@code CLONE_INTO_CGROUP} (its cgroup is not its creator's), a kernel thread's child
     * (it may be a user-mode helper, not a kernel thread) and a creator itself gone unread. An entry already held for
     * the pid belongs to an earlier task whose exit the checks had not yet seen: replaced. Later moves are the
     * checks' to find, as for every task.
     */
    @Override
    public void onNewTask(AllocEvent e) {
        int child = e.taskPid();
        if (child <= 0) {
            return;
        }
        nowNanos = e.timestampNanos();
        if ((e.cloneFlags() & CLONE_INTO_CGROUP) != 0) {
            bornIntoCgroup++;
            forget(child);
            return;
        }
        int id = ofPid(e.pid());
        if (id == KERNEL_THREAD || id == EXITED) {
            forget(child);
            return;
        }
        place(child, id, true);
        born++;
    }

    /**
     * Holds {@code pid} in cgroup {@code id} from now on, in its entry or a new one (start time {@link #BORN}: unread),
     * and tells the listener. {@code newTask}: the pid is a new task, so a kept entry's start time is stale too.
     */
    private void place(int pid, int id, boolean newTask) {
        int i = slot(pid); // probed here: a caller's earlier probe may be stale (ofPid and evictOne move entries)
        if (pids[i] == pid) {
            if (newTask || ids[i] == EXITED) {
                starts[i] = bornStamp();
            }
            ids[i] = id;
        } else {
            if (size >= maxTasks) {
                evictOne();
                i = slot(pid);
            }
            put(i, pid, id, bornStamp());
        }
        if (listener != null) {
            listener.decided(nowNanos, pid, paths[id]);
        }
    }

    /** A start time for a placement, {@link #BORN} or below, never the same twice. */
    private long bornStamp() {
        return BORN - bornStamps++;
    }

    /** True for the start time of a task placed, not read ({@link #BORN}). */
    static boolean isBorn(long start) {
        return start <= BORN;
    }

    /**
     * A task was moved into a cgroup ({@code cgroup/cgroup_attach_task}, in event order): from now on its events are
     * the new cgroup's, as the kernel charges them, without waiting for a check. Moves in other hierarchies are not
     * this resolver's. A task not held yet is placed as at its birth (alive, its start time unread). Ignored unless
     * {@link #followMovesIn} named the hierarchy. The event names one task: the process's leader when a whole process
     * moved (a {@code cgroup.procs} write), the thread itself for a thread's move; it does not say which. So the
     * task's sibling threads held here are read again at once ({@link #rereadSiblings}), never assumed to have moved.
     */
    @Override
    public void onTaskMove(AllocEvent e) {
        int pid = e.taskPid();
        if (movesHierarchy < 0 || e.hierarchyId() != movesHierarchy || pid <= 0) {
            return;
        }
        String path = e.cgroupPath();
        if (path == null || path.isEmpty()) {
            return;
        }
        nowNanos = e.timestampNanos();
        int id = intern(path);
        int i = slot(pid);
        if (pids[i] == pid && (ids[i] == id || ids[i] == KERNEL_THREAD)) {
            return; // no change, or a kernel thread (its allocations are the kernel's wherever it is attached)
        }
        place(pid, id, false); // an [exited] entry is a live task again: its start time is the next check's to read
        movesTraced++;
        rereadSiblings(pid);
    }

    /**
     * Reads again, now, the cgroup of each thread of {@code pid}'s process that is held here (its siblings, listed in
     * {@code /proc/<pid>/task/}): what {@code /proc} says at merge time, a little after the move. Two small reads per
     * held sibling, on the writer thread, only when a move is traced (rare: a container's start, a service's
     * restart), and at most {@link #CHECK_SLICE} siblings (a stall of milliseconds); the rest, and a sibling gone
     * meanwhile, are left to the checks.
     */
    private void rereadSiblings(int pid) {
        int read = 0;
        try (java.nio.file.DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve(Integer.toString(pid))
                .resolve("task"))) {
            for (Path t : tasks) {
                String name = t.getFileName().toString();
                if (!ThreadIds.isTaskId(name)) {
                    continue;
                }
                int tid = Integer.parseInt(name);
                int i = slot(tid);
                if (tid == pid || pids[i] != tid || ids[i] == KERNEL_THREAD || ids[i] == EXITED) {
                    continue;
                }
                if (++read > CHECK_SLICE) {
                    return; // a process of thousands of threads: the rest are the next check's, off this thread
                }
                int now = readTask(tid);
                i = slot(tid); // readTask interns a path; the table itself is unchanged, probed again all the same
                if (now != EXITED && now != ids[i]) {
                    ids[i] = now;
                    movesTraced++;
                    if (listener != null) {
                        listener.decided(nowNanos, tid, paths[now]);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone: its threads are the checks' to drop
        }
    }

    /** Drops what is held for {@code pid}, if anything: its next event reads it afresh. */
    private void forget(int pid) {
        int i = slot(pid);
        if (pids[i] == pid) {
            removeAt(i);
        }
    }

    /** The home slot of {@code pid}. */
    private int home(int pid) {
        return (pid * 0x9E3779B9) >>> 1 & (capacity - 1);
    }

    /** The slot holding {@code pid}, or the free slot where it would go. */
    private int slot(int pid) {
        int m = capacity - 1;
        int i = home(pid);
        while (pids[i] != EMPTY && pids[i] != pid) {
            i = (i + 1) & m;
        }
        return i;
    }

    /** Removes the entry at slot {@code i}, shifting back the entries after it so every probe still finds its key. */
    private void removeAt(int i) {
        int m = capacity - 1;
        int j = i;
        while (true) {
            j = (j + 1) & m;
            int p = pids[j];
            if (p == EMPTY) {
                break;
            }
            int h = home(p);
            // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
            boolean stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
            if (!stays) {
                pids[i] = p;
                ids[i] = ids[j];
                starts[i] = starts[j];
                i = j;
            }
        }
        pids[i] = EMPTY;
        size--;
    }

    /** The table is full: drops the next entry under the hand (that task is read again at its next event). */
    private void evictOne() {
        int m = capacity - 1;
        while (pids[hand] == EMPTY) {
            hand = (hand + 1) & m;
        }
        removeAt(hand);
        evictions++;
    }

    @Override
    public String path(int id) {
        return paths[id];
    }

    /** Copies the occupied entries into the check buffer and hands it to the checker. Writer thread. */
    private void startCheck() {
        Check c = check;
        int n = 0;
        for (int s = 0; s < capacity; s++) {
            if (pids[s] != EMPTY) {
                c.pid[n] = pids[s];
                c.id[n] = ids[s];
                c.start[n] = starts[s];
                n++;
            }
        }
        c.n = n;
        c.paths = paths;
        c.changes = 0;
        checking = true;
        checker.execute(this::runCheck);
    }

    /**
     * The check, on the checker: two file reads per known task, {@link #CHECK_SLICE} tasks at a time with a pause of
     * {@code CHECK_DUTY - 1} times the slice's length after each, so a check of thousands of tasks never takes a CPU
     * from the traced workload and the merge for more than a slice at a time; publishes its changes whatever happens.
     */
    private void runCheck() {
        Check c = check;
        long busy = 0;
        long sliceBegan = System.nanoTime();
        try {
            for (int k = 0; k < c.n; k++) {
                if (k > 0 && k % CHECK_SLICE == 0) {
                    long slice = System.nanoTime() - sliceBegan;
                    busy += slice;
                    pause(Math.min((CHECK_DUTY - 1) * slice, 1_000_000_000L));
                    sliceBegan = System.nanoTime();
                }
                int pid = c.pid[k];
                int id = c.id[k];
                if (id == EXITED) {
                    c.change(k, FORGET, null, 0); // a new task with this pid is read afresh
                    continue;
                }
                long[] stat = stat(pid);
                boolean born = isBorn(c.start[k]);
                if (stat == null) {
                    c.change(k, EXIT, null, 0);
                } else if (!born && stat[1] != c.start[k]) {
                    c.change(k, REUSE, null, 0);
                } else if (hidesCgroup(stat)) {
                    // exiting, its v1 file says "/": left as it is until it is reaped (then gone: an exit)
                } else if (born && id != KERNEL_THREAD && (stat[0] & PF_KTHREAD) != 0) {
                    // a kernel thread placed by a traced move (vhost workers are attached to their owner's cgroups)
                    c.change(k, MOVE, contextName(KERNEL_THREAD), stat[1]);
                } else if (id != KERNEL_THREAD && id != OTHER_CGROUPS) { // a folded task's move would fold again
                    String text = read(taskFile(pid, "cgroup"));
                    String now = text == null ? null : hierarchy.pathIn(text);
                    if (text == null) {
                        c.change(k, EXIT, null, 0);
                    } else if (now == null ? id != NO_MEMORY_CGROUP : !now.equals(c.paths[id])) {
                        c.change(k, MOVE, now, stat[1]);
                    } else if (born) {
                        c.change(k, ADOPT, null, stat[1]);
                    }
                } else if (born) {
                    c.change(k, ADOPT, null, stat[1]);
                }
            }
        } finally {
            c.tookNanos = busy + (System.nanoTime() - sliceBegan);
            ready = c;
        }
    }

    private static void pause(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the check goes on unpaused; the executor sees the flag
        }
    }

    /** Applies a finished check's changes to the entries they were found for. Writer thread. */
    private void apply() {
        Check c = ready;
        ready = null;
        checking = false;
        checkGap = checkGapAfter(c.tookNanos);
        checks++;
        for (int x = 0; x < c.changes; x++) {
            int k = c.at[x];
            int pid = c.pid[k];
            int i = slot(pid);
            if (pids[i] != pid || starts[i] != c.start[k] || ids[i] != c.id[k]) {
                continue; // replaced since the copy: not this change's entry
            }
            if (isBorn(c.start[k]) && (c.what[x] == MOVE || c.what[x] == ADOPT)) {
                starts[i] = c.newStart[x]; // from now on a changed start time tells a reuse, as for a read task
            }
            switch (c.what[x]) {
                case EXIT -> {
                    exits++;
                    removeAt(i);
                }
                case REUSE -> {
                    reuses++;
                    removeAt(i);
                }
                case MOVE -> {
                    String path = c.newPath[x];
                    int id = path == null ? NO_MEMORY_CGROUP : intern(path);
                    if (id != ids[i]) {
                        moves++;
                        ids[i] = id;
                        if (listener != null) {
                            listener.decided(nowNanos, pid, paths[id]);
                        }
                    }
                }
                case ADOPT -> {
                    // the start time alone, kept above
                }
                default -> removeAt(i);
            }
        }
        Arrays.fill(c.newPath, 0, c.changes, null);
    }

    private static final byte FORGET = 0;
    private static final byte EXIT = 1;
    private static final byte REUSE = 2;
    private static final byte MOVE = 3;
    /** A task placed at its birth is alive, in its cgroup: its start time is kept. */
    private static final byte ADOPT = 4;

    /**
     * A check's input (a copy of the table's entries) and output (the changes found), allocated once per resolver:
     * the writer thread writes the input before handing it over, the checker the changes before publishing
     * {@link #ready}; each side reads only what the other published.
     */
    private static final class Check {
        final int[] pid;
        final int[] id;
        final long[] start;
        final int[] at;
        final byte[] what;
        final String[] newPath;
        /** The start time read for a task placed at its birth (MOVE, ADOPT). */
        final long[] newStart;
        int n;
        int changes;
        /** Time the check spent reading (its pauses not included), nanoseconds. */
        long tookNanos;
        String[] paths;

        Check(int maxTasks) {
            pid = new int[maxTasks];
            id = new int[maxTasks];
            start = new long[maxTasks];
            at = new int[maxTasks];
            what = new byte[maxTasks];
            newPath = new String[maxTasks];
            newStart = new long[maxTasks];
        }

        void change(int k, byte w, String path, long start) {
            at[changes] = k;
            what[changes] = w;
            newPath[changes] = path;
            newStart[changes] = start;
            changes++;
        }
    }

    /**
     * A file of the task {@code pid} (an event's pid is a thread id) in its own directory,
     * {@code /proc/<pid>/task/<pid>/}, not {@code /proc/<pid>/}: the kernel answers {@code /proc/<tid>/stat} for the
     * whole thread group, summing over every thread of the process, so reading it for each thread of a process with
     * N threads costs O(N) each and O(N^2) for them all. Measured (2026-11-30, this JVM's own parked threads, one
     * check of all): 5,000 threads 3.4-3.9 s through {@code /proc/<tid>/stat}, 0.17-0.59 s through the task
     * directory; 20,000 threads 64-109 s against 0.8-2.3 s. The fields read (flags, start time) are the
     * thread's own in both.
     */
    private Path taskFile(int pid, String name) {
        String id = Integer.toString(pid);
        return proc.resolve(id).resolve("task").resolve(id).resolve(name);
    }

    /** {flags, start time} from {@code /proc/<pid>/task/<pid>/stat}, or null when the task is gone. */
    private long[] stat(int pid) {
        String s = read(taskFile(pid, "stat"));
        return s == null ? null : parseStat(s);
    }

    /** The task is exiting and this hierarchy's file no longer names its cgroup (v1: it says {@code /}). */
    private boolean hidesCgroup(long[] stat) {
        return (stat[0] & PF_EXITING) != 0 && hierarchy.version() == 1;
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
        String text = read(taskFile(pid, "cgroup"));
        if (text == null) {
            return EXITED;
        }
        String path = hierarchy.pathIn(text);
        return path == null ? NO_MEMORY_CGROUP : intern(path);
    }

    /** The id of a path; a new one past {@link #MAX_PATHS} is {@link #OTHER_CGROUPS}. Writer thread. */
    private int intern(String path) {
        Integer id = idOfPath.get(path);
        if (id != null) {
            return id;
        }
        if (pathCount >= MAX_PATHS) {
            foldedPaths++;
            return OTHER_CGROUPS;
        }
        int n = pathCount;
        if (n == paths.length) {
            paths = Arrays.copyOf(paths, n * 2); // a new array: a running check keeps reading the old one
        }
        paths[n] = path;
        pathCount = n + 1;
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

    /** Tasks read by {@link #preload} (before tracing). */
    public long preloaded() {
        return preloaded;
    }

    /** Checks applied so far. */
    public long checks() {
        return checks;
    }

    /** Event time between check starts now: {@link #REVALIDATE_NANOS} or more after a long check. */
    public long checkGapNanos() {
        return checkGap;
    }

    /** Tasks resolved from their files at their first event. */
    public long resolved() {
        return resolved;
    }

    /** Tasks placed at their birth in their creator's cgroup ({@link #onNewTask}). */
    public long born() {
        return born;
    }

    /** Tasks born with {@code CLONE_INTO_CGROUP}: not placed at birth, read at their first event. */
    public long bornIntoCgroup() {
        return bornIntoCgroup;
    }

    /** Moves applied as they were traced ({@link #onTaskMove}). */
    public long movesTraced() {
        return movesTraced;
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

    /** Tasks evicted from a full table (read again at their next event). */
    public long evictions() {
        return evictions;
    }

    /** Tasks gone before their files could be read (their events charged to {@code [exited]}). */
    public long exitedBeforeRead() {
        return exitedBeforeRead;
    }

    /** New cgroup paths beyond {@link #MAX_PATHS}, answered {@code [other cgroups]}. */
    public long foldedPaths() {
        return foldedPaths;
    }

    /** The health of the cgroup tags, one line: what was read, what could not be, what the bounds cost. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "cgroups: %,d tasks read before tracing, %,d placed at their"
                + " birth in their creator's cgroup (%,d born into another: CLONE_INTO_CGROUP), %,d read at their first"
                + " event, %,d gone before their cgroup was read (charged to [exited]), %,d exits, %,d pid reuses,"
                + " %,d moves traced as they happened%s, %,d more found by a check, %,d evicted from a full table (max %,d), %,d new paths folded into [other cgroups]"
                + " (max %,d); %,d checks done%s, one per %.1f s or more", preloaded, born, bornIntoCgroup, resolved,
                exitedBeforeRead, exits, reuses, movesTraced, movesHierarchy < 0 ? " (not followed here)" : "", moves,
                evictions, maxTasks, foldedPaths, MAX_PATHS, checks,
                checking ? " (one running)" : "", checkGap / 1e9);
    }
}
