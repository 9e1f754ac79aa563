package pooltag.linux.tracefs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import pooltag.core.error.PooltagException;

/**
 * A private tracefs instance, {@code instances/pooltag-<pid>-<pidns>-<starttime>} ({@link InstanceOwner}): the global buffer and other tools' instances are never
 * touched. Remembers every event it enabled, filter it set and trigger it added, and {@link #close()} undoes them
 * (triggers removed with {@code !cmd}, filters cleared, events disabled), then removes the directory. Close is
 * idempotent and thread-safe (it also runs from the JVM shutdown hook); callers close their own open files of the
 * instance first, as rmdir answers EBUSY while any is open.
 *
 * <p>Writes never use O_TRUNC: on a {@code trigger} file it would drop every trigger.
 */
public final class TracefsInstance implements AutoCloseable {
    private final Tracefs tracefs;
    private final String name;
    private final Path dir;
    private final Set<String> enabled = new LinkedHashSet<>();
    private final Set<String> filtered = new LinkedHashSet<>();
    private final Map<String, List<String>> triggers = new LinkedHashMap<>();
    private boolean closed;

    private TracefsInstance(Tracefs tracefs, String name) {
        this.tracefs = tracefs;
        this.name = name;
        this.dir = tracefs.instancesDir().resolve(name);
    }

    /** Creates {@code instances/<name>}; fails when it exists (never adopt another run's instance). */
    public static TracefsInstance create(Tracefs tracefs, String name) {
        if (!name.startsWith(Tracefs.INSTANCE_PREFIX)) {
            throw new IllegalArgumentException("instance names start with " + Tracefs.INSTANCE_PREFIX);
        }
        TracefsInstance in = new TracefsInstance(tracefs, name);
        try {
            Files.createDirectory(in.dir);
        } catch (FileAlreadyExistsException e) {
            throw new PooltagException("tracefs instance " + in.dir + " already exists; is another pooltag running?");
        } catch (IOException e) {
            throw new PooltagException("cannot create tracefs instance " + in.dir + ": " + e.getMessage()
                    + " (pooltag needs root)", e);
        }
        return in;
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public Tracefs tracefs() {
        return tracefs;
    }

    public void setTraceClock(String clock) {
        write("trace_clock", clock);
    }

    /** Ring-buffer size per CPU, in KiB. */
    public void setBufferSizeKb(int kb) {
        write("buffer_size_kb", Integer.toString(kb));
    }

    /**
     * Sets the ring buffer's sub-buffer size ({@code buffer_subbuf_size_kb}, Linux 6.8+; the kernel rounds it up to a
     * power-of-two number of pages) and returns the size it took, in KiB; 0 when this kernel has no such file (its
     * sub-buffer is one page). Before {@link #setBufferSizeKb} and before reading {@link #readHeaderPage}, which
     * states the size in effect.
     */
    public int setSubbufKb(int kb) {
        if (!Files.exists(dir.resolve("buffer_subbuf_size_kb"))) {
            return 0;
        }
        write("buffer_subbuf_size_kb", Integer.toString(kb));
        return Integer.parseInt(read("buffer_subbuf_size_kb").trim());
    }

    public int bufferSizeKb() {
        return Integer.parseInt(read("buffer_size_kb").trim().split("\\s+")[0]);
    }

    /** Off: when the buffer is full new events are dropped (and counted), rather than old ones overwritten. */
    public void setOverwrite(boolean on) {
        write("options/overwrite", on ? "1" : "0");
    }

    /**
     * How full a CPU buffer must be (percent) before a blocked reader wakes; 0 = as soon as there is data.
     */
    public void setBufferPercent(int percent) {
        if (Files.exists(dir.resolve("buffer_percent"))) {
            write("buffer_percent", Integer.toString(percent));
        }
    }

    public void setTracingOn(boolean on) {
        write("tracing_on", on ? "1" : "0");
    }

    /** True when {@code events/<system>/<name>} exists in this kernel. */
    public boolean hasEvent(String key) {
        return Files.isDirectory(dir.resolve("events").resolve(key));
    }

    /**
     * The {@code _node} twin of an allocation event: before Linux 6.1 an allocation for a given NUMA node
     * ({@code kmalloc_node()}, {@code kmem_cache_alloc_node()}, which most of the kernel's allocations go through on
     * those kernels) fires {@code kmem/kmalloc_node} or {@code kmem/kmem_cache_alloc_node} instead of the plain event;
     * 6.1 merged each pair into one event with a {@code node} field. Null for other events.
     */
    public static String nodeTwinOf(String key) {
        return switch (key) {
            case "kmem/kmalloc" -> "kmem/kmalloc_node";
            case "kmem/kmem_cache_alloc" -> "kmem/kmem_cache_alloc_node";
            default -> null;
        };
    }

    /**
     * {@link #nodeTwinOf}, when this kernel has it, else null. What is done to an allocation event (enable, filter,
     * trigger, and their undoing) is done to its twin too, in the same call, so that no caller can trace half of the
     * allocations on an older kernel.
     */
    public String presentTwinOf(String key) {
        String twin = nodeTwinOf(key);
        return twin != null && hasEvent(twin) ? twin : null;
    }

    public synchronized void enableEvent(String key) {
        requireEvent(key);
        enabled.add(key);
        write("events/" + key + "/enable", "1");
        String twin = presentTwinOf(key);
        if (twin != null) {
            enabled.add(twin);
            write("events/" + twin + "/enable", "1");
        }
    }

    public synchronized void disableEvent(String key) {
        write("events/" + key + "/enable", "0");
        enabled.remove(key);
        String twin = presentTwinOf(key);
        if (twin != null && enabled.contains(twin)) {
            write("events/" + twin + "/enable", "0");
            enabled.remove(twin);
        }
    }

    /**
     * Sets an event filter (kernel filter syntax, e.g. {@code name == "dentry"} or
     * {@code call_site.function == alloc_pipe_info}); {@code null}, blank or "0" clears it.
     *
     * @throws PooltagException naming the event and the kernel's reason from {@code error_log}
     */
    public synchronized void setFilter(String key, String expr) {
        requireEvent(key);
        String e = expr == null || expr.isBlank() ? "0" : expr.trim();
        String twin = presentTwinOf(key);
        for (String k : twin == null ? List.of(key) : List.of(key, twin)) {
            writeChecked("events/" + k + "/filter", e, "filter '" + e + "' on " + k);
            if (e.equals("0")) {
                filtered.remove(k);
            } else {
                filtered.add(k);
            }
        }
    }

    /**
     * Adds {@code stacktrace [if filter]} to an event: the kernel then writes a {@code ftrace/kernel_stack} record
     * right after each matching event, on the same CPU.
     */
    public void addStackTrigger(String key, String filter) {
        addTrigger(key, stackTrigger(filter));
    }

    /**
     * The most bytes one write to an event's {@code filter} or {@code trigger} file may carry, its newline included:
     * the kernel refuses a write of a page or more (EINVAL; measured here: a 3,987-byte trigger taken, a 4,271-byte
     * one refused), and pages are 4 KiB on x86_64.
     */
    public static final int MAX_WRITE_BYTES = 4095;

    private static String stackTrigger(String filter) {
        return filter == null || filter.isBlank() ? "stacktrace" : "stacktrace if " + filter.trim();
    }

    /** The bytes {@link #addStackTrigger} writes for {@code filter}, newline included. */
    public static int stackTriggerBytes(String filter) {
        return stackTrigger(filter).getBytes(StandardCharsets.UTF_8).length + 1;
    }

    /**
     * Adds a trigger command ({@code cmd[:count] [if filter]}). Synchronized with {@link #close()}: a trigger is never
     * added to an instance being torn down (that would fail anyway, or leave it behind if the rmdir then failed).
     *
     * @throws PooltagException when the instance is closed, or naming the kernel's reason
     */
    public synchronized void addTrigger(String key, String command) {
        if (closed) {
            throw new PooltagException("tracefs instance " + dir + " is closed; trigger '" + command + "' on " + key
                    + " not added");
        }
        requireEvent(key);
        String twin = presentTwinOf(key);
        for (String k : twin == null ? List.of(key) : List.of(key, twin)) {
            writeChecked("events/" + k + "/trigger", command, "trigger '" + command + "' on " + k);
            triggers.computeIfAbsent(k, x -> new ArrayList<>()).add(command);
        }
    }

    /**
     * Removes a {@code stacktrace [if filter]} trigger added by {@link #addStackTrigger} (same arguments).
     *
     * @return false when this instance had no such trigger (nothing written)
     */
    public boolean removeStackTrigger(String key, String filter) {
        return removeTrigger(key, stackTrigger(filter));
    }

    /**
     * Removes a trigger this instance added ({@code !cmd}, as the kernel takes it: it drops the event's trigger of that
     * command, whatever its filter). Triggers can be added and removed while tracing. After {@link #close()} this is a
     * no-op returning false: the teardown already removed every trigger.
     *
     * @return false when this instance had not added {@code command} to {@code key} (nothing written)
     * @throws PooltagException naming the kernel's reason when the write fails (the trigger is then still counted
     *                          as installed, so close() tries again)
     */
    public synchronized boolean removeTrigger(String key, String command) {
        if (!removeOwnTrigger(key, command)) {
            return false;
        }
        String twin = nodeTwinOf(key);
        if (twin != null) {
            removeOwnTrigger(twin, command); // addTrigger added it with key's, where the kernel has the twin
        }
        return true;
    }

    private boolean removeOwnTrigger(String key, String command) {
        List<String> cmds = triggers.get(key);
        if (closed || cmds == null || !cmds.contains(command)) {
            return false;
        }
        writeChecked("events/" + key + "/trigger", "!" + command, "removal of trigger '" + command + "' on " + key);
        cmds.remove(command);
        if (cmds.isEmpty()) {
            triggers.remove(key);
        }
        return true;
    }

    /** The trigger commands this instance has installed and not removed, per event (a copy). */
    public synchronized Map<String, List<String>> triggers() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        triggers.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return out;
    }

    public String readEventFile(String key, String file) {
        return read("events/" + key + "/" + file);
    }

    public String readHeaderPage() {
        return read("events/header_page");
    }

    public Path perCpuFile(int cpu, String file) {
        return dir.resolve("per_cpu").resolve("cpu" + cpu).resolve(file);
    }

    /** CPUs with a per-CPU buffer directory (possible CPUs); their numbers are 0..n-1 on the machines we support. */
    public int cpuCount() {
        try (Stream<Path> s = Files.list(dir.resolve("per_cpu"))) {
            return (int) s.filter(p -> p.getFileName().toString().matches("cpu\\d+")).count();
        } catch (IOException e) {
            throw new PooltagException("cannot list " + dir.resolve("per_cpu") + ": " + e.getMessage(), e);
        }
    }

    /** The counters of {@code per_cpu/cpuN/stats}. */
    public CpuStats cpuStats(int cpu) {
        Path p = perCpuFile(cpu, "stats");
        try {
            return CpuStats.parse(KernelFiles.read(p));
        } catch (IOException e) {
            throw new PooltagException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    public String read(String rel) {
        Path p = dir.resolve(rel);
        try {
            return KernelFiles.read(p);
        } catch (IOException e) {
            throw new PooltagException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes one of the instance's files. Serialised with {@link #close()} and refused after it: a setup still running
     * when the shutdown hook tore the instance down must not write into a directory that is going away.
     */
    public synchronized void write(String rel, String value) {
        if (closed) {
            throw new PooltagException("tracefs instance " + dir + " is closed; '" + value + "' not written to " + rel);
        }
        rawWrite(rel, value);
    }

    private void rawWrite(String rel, String value) {
        Path p = dir.resolve(rel);
        try {
            Files.writeString(p, value + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new PooltagException("cannot write '" + value + "' to " + p + ": " + e.getMessage(), e);
        }
    }

    /** Writes, and on failure raises the kernel's own explanation from this instance's {@code error_log}. */
    private synchronized void writeChecked(String rel, String value, String what) {
        if (closed) {
            throw new PooltagException("tracefs instance " + dir + " is closed; " + what + " not set");
        }
        Path log = dir.resolve("error_log");
        try {
            if (Files.exists(log)) {
                Files.writeString(log, "", StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            }
        } catch (IOException ignored) {
            // an uncleared log only makes the reason below less precise
        }
        try {
            Files.writeString(dir.resolve(rel), value + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new PooltagException("the kernel rejected " + what + ": " + errorLogReason(log, e)
                    + missingFields(rel, value));
        }
    }

    /** Fields every event filter takes beside its format's (the kernel's generic comm and cpu fields). */
    private static final java.util.Set<String> FILTER_KEYWORDS = java.util.Set.of("comm", "COMM", "cpu", "CPU");

    /** Words of a filter that may be field names: identifiers not inside quotes, not a trigger's keyword. */
    private static final java.util.regex.Pattern FILTER_WORD =
            java.util.regex.Pattern.compile("\"[^\"]*\"|\\b([A-Za-z_][A-Za-z0-9_]*)(?:\\.[a-z]+)?\\s*(?:==|!=|<=|>=|<|>|~|&)");

    /**
     * What a rejected filter or trigger names that the event does not have on this kernel, from the event's format
     * file: kernels before 6.2 log nothing for a trigger's bad filter (error_log empty, EINVAL), and "no field 'name'"
     * is the reason (kmem_cache_alloc names its cache from 6.2 on). Empty when the write was not an event's filter
     * or trigger, the format cannot be read, or every field named exists.
     */
    private String missingFields(String rel, String value) {
        if (!rel.startsWith("events/") || !(rel.endsWith("/filter") || rel.endsWith("/trigger"))) {
            return "";
        }
        String key = rel.substring("events/".length(), rel.lastIndexOf('/'));
        Path formatFile = dir.resolve("events/" + key + "/format");
        List<pooltag.linux.ring.EventFormat.Field> byOffset;
        try {
            byOffset = new ArrayList<>(pooltag.linux.ring.EventFormat.parse(key.substring(0, Math.max(0, key.indexOf('/'))),
                    KernelFiles.read(formatFile), formatFile.toString()).fields().values());
        } catch (IOException | RuntimeException e) {
            return "";
        }
        byOffset.sort(java.util.Comparator.comparingInt(pooltag.linux.ring.EventFormat.Field::offset));
        java.util.Set<String> fields = new java.util.LinkedHashSet<>();
        for (pooltag.linux.ring.EventFormat.Field f : byOffset) {
            fields.add(f.name());
        }
        if (fields.isEmpty()) {
            return "";
        }
        java.util.Set<String> missing = new java.util.TreeSet<>();
        java.util.regex.Matcher m = FILTER_WORD.matcher(value);
        while (m.find()) {
            // the filter language's own fields, in no format file: comm (the task's) and cpu
            if (m.group(1) != null && !fields.contains(m.group(1)) && !FILTER_KEYWORDS.contains(m.group(1))) {
                missing.add(m.group(1));
            }
        }
        if (missing.isEmpty()) {
            return "";
        }
        List<String> own = new ArrayList<>();
        for (String f : fields) {
            if (!f.startsWith("common_")) {
                own.add(f);
            }
        }
        return "; " + key + " has no field " + String.join(", ", missing) + " on this kernel (its fields: "
                + String.join(" ", own) + ")";
    }

    private static String errorLogReason(Path log, IOException e) {
        try {
            String text = Files.exists(log) ? KernelFiles.read(log).strip() : "";
            if (!text.isEmpty()) {
                // "[ts] event filter parse error: error: Field not found\n  Command: ...\n   ^"
                String[] lines = text.split("\n");
                StringBuilder sb = new StringBuilder();
                for (String l : lines) {
                    String t = l.strip();
                    if (t.startsWith("[")) {
                        int rb = t.indexOf(']');
                        t = t.substring(rb + 1).strip();
                        sb.setLength(0);
                        sb.append(t);
                    } else if (t.startsWith("Command:")) {
                        sb.append(" (").append(t).append(')');
                    }
                }
                return sb.toString();
            }
        } catch (IOException ignored) {
            // fall through to the errno text
        }
        return e.getMessage() + " (error_log empty)";
    }

    private void requireEvent(String key) {
        if (!hasEvent(key)) {
            throw new PooltagException("this kernel has no event " + key + " (no " + dir.resolve("events/" + key)
                    + ")");
        }
    }

    /** Undo everything this instance did and remove it. Idempotent; never throws for a missing instance. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return;
        }
        tryDo(problems, () -> rawWrite("tracing_on", "0"));
        for (Map.Entry<String, List<String>> t : triggers.entrySet()) {
            for (String cmd : t.getValue()) {
                tryDo(problems, () -> rawWrite("events/" + t.getKey() + "/trigger", "!" + cmd));
            }
        }
        for (String key : filtered) {
            tryDo(problems, () -> rawWrite("events/" + key + "/filter", "0"));
        }
        for (String key : enabled) {
            tryDo(problems, () -> rawWrite("events/" + key + "/enable", "0"));
        }
        try {
            rmdirWithRetry(dir);
        } catch (PooltagException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new PooltagException("teardown of " + dir + ": " + String.join("; ", problems));
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    private static void tryDo(List<String> problems, Runnable r) {
        try {
            r.run();
        } catch (PooltagException e) {
            problems.add(e.getMessage());
        }
    }

    /**
     * Tears down an instance directory this process did not create in this run (a stale one of ours): tracing off,
     * triggers and filters removed and events disabled in the systems pooltag uses, then rmdir. Called only once
     * {@link InstanceOwner#verdict} proved the owner dead: these writes would switch off a live pooltag.
     */
    static void teardownDirectory(Path dir) {
        try {
            Files.writeString(dir.resolve("tracing_on"), "0\n", StandardOpenOption.WRITE);
        } catch (IOException ignored) {
            // rmdir below disables everything anyway; this only stops writers sooner
        }
        for (String system : new String[] {"kmem", "percpu", "vmalloc"}) {
            Path sys = dir.resolve("events").resolve(system);
            if (!Files.isDirectory(sys)) {
                continue;
            }
            try (Stream<Path> s = Files.list(sys)) {
                for (Path ev : (Iterable<Path>) s::iterator) {
                    if (!Files.isDirectory(ev)) {
                        continue;
                    }
                    try {
                        for (String line : KernelFiles.read(ev.resolve("trigger")).split("\n")) {
                            String t = line.strip();
                            if (t.isEmpty() || t.startsWith("#")) {
                                continue;
                            }
                            String cmd = t.split("[: ]", 2)[0];
                            Files.writeString(ev.resolve("trigger"), "!" + cmd + "\n", StandardOpenOption.WRITE);
                        }
                        Files.writeString(ev.resolve("filter"), "0\n", StandardOpenOption.WRITE);
                        Files.writeString(ev.resolve("enable"), "0\n", StandardOpenOption.WRITE);
                    } catch (IOException ignored) {
                        // best effort: rmdir of the instance removes events, filters and triggers too
                    }
                }
            } catch (IOException ignored) {
                // as above
            }
        }
        rmdirWithRetry(dir);
    }

    /** Our open files under {@code dir}, from /proc/self/fd: the usual reason rmdir answers EBUSY. */
    static String openFilesUnder(Path dir) {
        java.util.List<String> open = new java.util.ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(dir)) {
                        open.add(dir.relativize(target).toString());
                    }
                } catch (IOException ignored) {
                    // the fd closed while listing
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return open.isEmpty() ? "none" : String.join(", ", open);
    }

    private static void rmdirWithRetry(Path dir) {
        for (int attempt = 0; ; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (FileSystemException e) {
                // EBUSY while a file of the instance is still open (a reader thread closing); retry for ~2 s
                if (attempt >= 40) {
                    throw new PooltagException("cannot remove " + dir + ": " + e.getMessage()
                            + " (files of it open in this process: " + openFilesUnder(dir) + ")", e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new PooltagException("interrupted while removing " + dir, ie);
                }
            } catch (IOException e) {
                throw new PooltagException("cannot remove " + dir + ": " + e.getMessage(), e);
            }
        }
    }
}
