package pooltag.linux.recording;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.collect.LongIntHashMap;
import pooltag.core.event.AllocEvent;
import pooltag.core.ledger.CgroupResolver;
import pooltag.linux.cgroup.PidCgroupResolver;

/**
 * {@code --tag-by cgroup} on a recording: charges each event as the recording run's {@link PidCgroupResolver}
 * charged it, from the CGROUPS entries the file carries (filled by {@link RecordingReader#scanSide} before the
 * replay). Interrupt contexts and pid 0 are decided from the event itself, as live; a task's event goes to the
 * latest decision for its pid at or before the event's time (the first one when the event is older, as a live
 * resolver decides on a task's first event); a pid the recording never decided is {@code [unresolved]}.
 *
 * <p>Per event: one primitive-map probe, and a step along the pid's decisions when a newer one came due; no
 * allocation. Bounded by the reader ({@link RecordingFormat#MAX_CGROUP_ENTRIES}) and by
 * {@link RecordingFormat#MAX_CGROUP_PATHS} distinct paths (decisions for more are {@link #dropped}, never an error).
 * Replay thread only.
 */
public final class RecordedCgroups implements CgroupResolver, RecordingReader.SideData {
    private final List<String> paths = new ArrayList<>();
    private final Map<String, Integer> idOfPath = new HashMap<>();
    // decisions, in file order: event ns, cgroup id, the next decision of the same pid (-1 = none)
    private long[] nanos = new long[1024];
    private int[] ids = new int[1024];
    private int[] next = new int[1024];
    private int size;
    private long dropped;
    private final LongIntHashMap first = new LongIntHashMap(1024, -1);
    private final LongIntHashMap last = new LongIntHashMap(1024, -1);
    /** The decision each pid's events go to now (advances with event time). */
    private final LongIntHashMap current = new LongIntHashMap(1024, -1);

    public RecordedCgroups() {
        for (int c = 0; c < PidCgroupResolver.contexts(); c++) {
            intern(PidCgroupResolver.contextName(c));
        }
    }

    /** Decisions read. */
    public int decisions() {
        return size;
    }

    /** Decisions not kept: their path would pass {@link RecordingFormat#MAX_CGROUP_PATHS} distinct ones. */
    public long dropped() {
        return dropped;
    }

    @Override
    public void cgroup(long eventNanos, int pid, String path) {
        int id = intern(path);
        if (id < 0) {
            dropped++; // the pid's events stay with its previous decision (or [unresolved]): counted, not fatal
            return;
        }
        if (size == nanos.length) {
            int n = size * 2;
            nanos = Arrays.copyOf(nanos, n);
            ids = Arrays.copyOf(ids, n);
            next = Arrays.copyOf(next, n);
        }
        nanos[size] = eventNanos;
        ids[size] = id;
        next[size] = -1;
        int tail = last.get(pid);
        if (tail < 0) {
            first.put(pid, size);
        } else {
            next[tail] = size;
        }
        last.put(pid, size);
        size++;
    }

    /** The path's id; -1 when it is new and {@link RecordingFormat#MAX_CGROUP_PATHS} are kept already. */
    private int intern(String path) {
        Integer id = idOfPath.get(path);
        if (id != null) {
            return id;
        }
        if (paths.size() >= RecordingFormat.MAX_CGROUP_PATHS) {
            return -1;
        }
        paths.add(path);
        idOfPath.put(path, paths.size() - 1);
        return paths.size() - 1;
    }

    @Override
    public int cgroupOf(AllocEvent e) {
        int flags = e.contextFlags();
        if ((flags & AllocEvent.CONTEXT_NMI) != 0) {
            return PidCgroupResolver.NMI;
        }
        if ((flags & AllocEvent.CONTEXT_HARDIRQ) != 0) {
            return PidCgroupResolver.HARDIRQ;
        }
        if ((flags & AllocEvent.CONTEXT_SOFTIRQ) != 0) {
            return PidCgroupResolver.SOFTIRQ;
        }
        int pid = e.pid();
        if (pid <= 0) {
            return PidCgroupResolver.KERNEL_THREAD;
        }
        int c = current.get(pid);
        int at = c;
        if (at < 0) {
            at = first.get(pid);
            if (at < 0) {
                return -1; // never decided while recording: [unresolved], never guessed
            }
        }
        long t = e.timestampNanos();
        while (next[at] >= 0 && nanos[next[at]] <= t) {
            at = next[at];
        }
        if (at != c) {
            current.put(pid, at);
        }
        return ids[at];
    }

    @Override
    public String path(int id) {
        return paths.get(id);
    }
}
