package pooltag.linux.recording;

import java.nio.charset.StandardCharsets;

import pooltag.linux.cgroup.PidCgroupResolver;
import pooltag.linux.ring.Le;

/**
 * The cgroup decisions of a recording run ({@code --tag-by cgroup}), encoded as CGROUPS entries (u64 event ns, s32
 * pid, u16 path length, path) and written in blocks of at most {@link #BLOCK} bytes. Fed by
 * {@link PidCgroupResolver}'s decision listener, so it costs one entry per task decision, nothing per event. Runs on
 * the recording's writer thread (the session's merge thread) only. At most {@link RecordingFormat#MAX_CGROUP_ENTRIES}
 * entries are written; later decisions are counted ({@link #dropped}) so a fork-heavy host's long recording stays
 * bounded and readable.
 */
public final class CgroupLog implements PidCgroupResolver.DecisionListener {
    /** Bytes gathered before a block is written (well under {@link RecordingFormat#MAX_CGROUPS_BLOCK}). */
    static final int BLOCK = 64 << 10;

    private final RecordingWriter writer;
    private final byte[] buf = new byte[BLOCK + RecordingFormat.CGROUP_ENTRY_HEADER + RecordingFormat.MAX_CGROUP_PATH];
    private int len;
    private long entries;
    private long dropped;

    public CgroupLog(RecordingWriter writer) {
        this.writer = writer;
    }

    @Override
    public void decided(long eventNanos, int pid, String path) {
        if (entries >= RecordingFormat.MAX_CGROUP_ENTRIES) {
            dropped++; // a reader keeps no more either: counted, written in the RUN block
            return;
        }
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(p.length, RecordingFormat.MAX_CGROUP_PATH); // a path is at most PATH_MAX already
        Le.putI64(buf, len, eventNanos);
        Le.putI32(buf, len + 8, pid);
        buf[len + 12] = (byte) n;
        buf[len + 13] = (byte) (n >>> 8);
        System.arraycopy(p, 0, buf, len + RecordingFormat.CGROUP_ENTRY_HEADER, n);
        len += RecordingFormat.CGROUP_ENTRY_HEADER + n;
        entries++;
        if (len >= BLOCK) {
            flush();
        }
    }

    /** Writes what is gathered as one CGROUPS block (nothing when empty). */
    public void flush() {
        if (len > 0) {
            writer.writeCgroups(buf, len);
            len = 0;
        }
    }

    /** Entries logged so far. */
    public long entries() {
        return entries;
    }

    /** Decisions not logged: past {@link RecordingFormat#MAX_CGROUP_ENTRIES}. */
    public long dropped() {
        return dropped;
    }
}
