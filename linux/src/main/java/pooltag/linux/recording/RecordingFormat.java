package pooltag.linux.recording;

import java.nio.charset.StandardCharsets;

/**
 * Constants of the recording file format, versions 1 to 3; documented field by field in {@code docs/RECORDING.md}.
 * Versions differ in how pages travel and in what a block's CRC covers: version 1 has one {@link #PAGE} block per
 * page, version 2 {@link #PAGES_ZSTD} blocks (many pages, zstd-compressed); version 3 has either kind and puts each
 * block header under its CRC. Readers accept all three.
 *
 * <p>File: a 16-byte file header ({@link #MAGIC}, u32 version, u32 flags), then blocks until end of file. Block:
 * a 16-byte block header (u32 kind, s32 cpu or -1, u32 payload length, u32 CRC-32), then the payload. The CRC-32
 * covers the header's first 12 bytes and the payload in version 3, the payload alone in versions 1 and 2 (unless
 * {@link #FLAG_HEADER_CRC}). All integers little-endian. The last block of a complete file is {@link #END}.
 */
public final class RecordingFormat {
    /** "PTAGREC" + NUL. */
    public static final byte[] MAGIC = "PTAGREC\0".getBytes(StandardCharsets.US_ASCII);
    /**
     * The version this pooltag writes: pages in {@link #PAGES_ZSTD} blocks, or in {@link #PAGE} blocks when the zstd
     * library cannot load; every block's CRC-32 covers its header's kind, cpu and length too. The rule rides on the
     * version, not on a flag, so a pooltag that predates it refuses the file by its version ("reads versions 1 and
     * 2") instead of reading the first block as damaged.
     */
    public static final int VERSION = 3;
    /**
     * The first version whose block CRCs cover the block header: fixed at 3 whatever {@link #VERSION} becomes, so a
     * later version's reader still checks a version 3 file by its own rule.
     */
    public static final int VERSION_3 = 3;
    /** Compressed pages ({@link #PAGES_ZSTD}), payload-only CRC unless {@link #FLAG_HEADER_CRC}. Still read. */
    public static final int VERSION_2 = 2;
    /** The first version: one uncompressed PAGE block per page, payload-only CRC unless flagged. Still read. */
    public static final int VERSION_1 = 1;
    public static final int FILE_HEADER_SIZE = 16;
    /**
     * Version 1 and 2 flag: the header-CRC rule of version 3, as one round's pooltag wrote it (versions 1/2 with
     * flags 1) before the rule moved to the version number. Read for those files; never written. In version 3 no
     * flag is defined and any set bit is refused.
     */
    public static final int FLAG_HEADER_CRC = 1;
    /** Every flag this pooltag knows in a file of the given version; a file with any other bit set is refused. */
    public static int knownFlags(int version) {
        return version >= VERSION_3 ? 0 : FLAG_HEADER_CRC;
    }
    /** The header bytes a version 3 block's CRC covers before its payload: kind, cpu, length. */
    public static final int BLOCK_HEADER_CRC_SPAN = 12;
    public static final int BLOCK_HEADER_SIZE = 16;
    /** Largest payload a reader accepts for any block, including kinds it skips (read in small pieces). */
    public static final int MAX_PAYLOAD = 256 << 20;
    /** Largest text block (META, HEADER_PAGE, FORMAT, MODULES, slabinfo, CPU_STATS): real ones are under 100 KiB. */
    public static final int MAX_TEXT = 4 << 20;
    /** Largest KALLSYMS_GZ payload; a real one is 1-3 MiB. */
    public static final int MAX_KALLSYMS_GZ = 32 << 20;
    /** Largest kallsyms text after gunzip; a real one is 5-20 MiB (about 120,000-250,000 lines). */
    public static final int MAX_KALLSYMS_TEXT = 64 << 20;
    /** Most kallsyms lines a reader parses (each costs about 100 bytes of heap once parsed). */
    public static final int MAX_KALLSYMS_LINES = 1_000_000;
    /** Most FORMAT blocks (the writer stores about ten). */
    public static final int MAX_FORMATS = 1024;
    /** Most CPUs a recording may declare. */
    public static final int MAX_CPUS = 4096;
    /** Largest LOSS / END payload (24 bytes today; newer writers may append fields). */
    public static final int MAX_TRAILER = 4096;
    /** Uncompressed bytes per PAGES_ZSTD block, at most (the writer fills 1 MiB). */
    public static final int MAX_CHUNK_RAW = 4 << 20;
    /** The writer's target of uncompressed bytes per PAGES_ZSTD block. */
    public static final int CHUNK_RAW = 1 << 20;
    /** Header of one page inside a PAGES_ZSTD block: s32 cpu, u32 length, u64 read time. */
    public static final int CHUNK_ENTRY_HEADER = 16;
    /** PAGES_ZSTD payload header: u32 uncompressed length, u32 page count; the zstd frame follows. */
    public static final int CHUNK_HEADER = 8;
    /**
     * Most page bytes a replay holds back waiting for a slower CPU before it delivers what it has (counted as a
     * forced drain); keeps a CPU whose events never come due from filling the heap.
     */
    public static final long MAX_QUEUED_PAGE_BYTES = 64L << 20;

    /** Text, {@code key=value} lines: tool version, kernel release, start time, cpus, events, filters, hit tag. */
    public static final int META = 1;
    /** Text of {@code events/header_page}. */
    public static final int HEADER_PAGE = 2;
    /** {@code system/name} line, then the text of that event's {@code format} file. */
    public static final int FORMAT = 3;
    /** {@code /proc/kallsyms}, gzip-compressed. */
    public static final int KALLSYMS_GZ = 4;
    /** Text of {@code /proc/modules} (empty when the kernel has no modules). */
    public static final int MODULES = 5;
    /** Text of {@code /proc/slabinfo} when recording started. */
    public static final int SLABINFO_START = 6;
    /** cpu = the CPU; payload: u64 CLOCK_MONOTONIC ns when read, then one raw trace_pipe_raw sub-buffer. */
    public static final int PAGE = 7;
    /** cpu = the CPU; text of {@code per_cpu/cpuN/stats} when recording stopped. */
    public static final int CPU_STATS = 8;
    /** Text of {@code /proc/slabinfo} when recording stopped. */
    public static final int SLABINFO_END = 9;
    /** u64 events lost per the kernel's stats, u64 lost per page headers, u64 pages flagged lost. */
    public static final int LOSS = 10;
    /** u64 CLOCK_MONOTONIC ns at stop, u64 pages written, u64 events decoded while recording. Last block. */
    public static final int END = 11;
    /**
     * Versions 2 and 3: cpu = -1; u32 uncompressed length, u32 page count, then one zstd frame whose content is that many
     * entries of ({@link #CHUNK_ENTRY_HEADER} bytes: s32 cpu, u32 length, u64 read time; then the trimmed page).
     */
    public static final int PAGES_ZSTD = 12;
    /**
     * What a hunt needs besides the events (optional; readers before these kinds skip and count them as unknown):
     * cpu = -1; u64 CLOCK_MONOTONIC ns when {@code /proc/slabinfo} was read, then the gzip of its text. Written
     * every 500 ms while recording (the hunt's cadence), between page blocks.
     */
    public static final int SLABINFO_SAMPLE = 13;
    /**
     * Text, one line per cache directory of {@code /sys/kernel/slab} at start: {@code dir TAB reclaim_account(0|1)
     * TAB names separated by spaces}: which caches are reclaimable (the Paged pool) and which names are merged.
     * Written once, right after SLABINFO_START (the last preamble block, so older readers see the preamble whole).
     */
    public static final int SLAB_SYSFS = 14;
    /**
     * The cgroup decisions of {@code --tag-by cgroup}, made at record time: entries of u64 event ns (from then on),
     * s32 pid, u16 path length, then the path (UTF-8): the memory cgroup's path or a context ({@code [exited]},
     * {@code [kernel thread]}, ...). Written as tasks are first seen or move; a replay charges an event of a pid to
     * that pid's latest decision at or before the event.
     */
    public static final int CGROUPS = 15;
    /**
     * Text, {@code key=value} lines: what the recording run did that a replay must repeat: {@code duration_ns} (the
     * run's wall-clock length, as the live hunt ranks over), {@code armed} (sites whose stack triggers were armed,
     * {@code site@seconds} comma-separated), {@code tag_by}, {@code tracer_task} (the kernel task id of the thread that
     * wrote the stack triggers: its allocations are the recorder's own, left out of a ranking), and what the recorder
     * dropped:
     * {@link #RUN_SAMPLES_DROPPED}, {@link #RUN_CGROUP_DECISIONS_DROPPED}, and why it stopped early:
     * {@link #RUN_DISK_FULL}, {@link #RUN_DISK_FULL_PAGES_DROPPED}. Written once, before END.
     */
    public static final int RUN = 16;
    /** RUN fact: slabinfo samples the recorder dropped because its writer fell behind (absent when none). */
    public static final String RUN_SAMPLES_DROPPED = "samples_dropped";
    /**
     * RUN fact: cgroup decisions the recorder did not write, past {@link #MAX_CGROUP_ENTRIES} (absent when none).
     */
    public static final String RUN_CGROUP_DECISIONS_DROPPED = "cgroup_decisions_dropped";
    /**
     * RUN fact: the recorder stopped because its disk was full; the value is the refusal, one line
     * ("writing FILE.spool.cpu1: No space left on device"). Absent when the disk never filled.
     */
    public static final String RUN_DISK_FULL = "disk_full";
    /**
     * RUN fact: pages a full disk kept out of the recording (read from the kernel, never written); their events are
     * in the LOSS block's count. Present with {@link #RUN_DISK_FULL}.
     */
    public static final String RUN_DISK_FULL_PAGES_DROPPED = "disk_full_pages_dropped";

    /** Largest SLABINFO_SAMPLE payload (8 + gzip; a real one is 5-10 KiB), and its text after gunzip: MAX_TEXT. */
    public static final int MAX_SAMPLE = 4 << 20;
    /** Largest CGROUPS payload. */
    public static final int MAX_CGROUPS_BLOCK = 1 << 20;
    /** Longest cgroup path in a CGROUPS entry (PATH_MAX). */
    public static final int MAX_CGROUP_PATH = 4096;
    /**
     * Most CGROUPS entries a writer writes and a reader keeps over the whole file (the live resolver keeps 32,768
     * tasks at once); past it both count what they drop, and the file stays readable.
     */
    public static final int MAX_CGROUP_ENTRIES = 1_000_000;
    /** Most distinct cgroup paths a replay keeps; decisions for more are counted as dropped. */
    public static final int MAX_CGROUP_PATHS = 65_536;
    /** CGROUPS entry header: u64 ns, s32 pid, u16 path length. */
    public static final int CGROUP_ENTRY_HEADER = 14;

    private RecordingFormat() {
    }

    public static String kindName(int kind) {
        return switch (kind) {
            case META -> "META";
            case HEADER_PAGE -> "HEADER_PAGE";
            case FORMAT -> "FORMAT";
            case KALLSYMS_GZ -> "KALLSYMS_GZ";
            case MODULES -> "MODULES";
            case SLABINFO_START -> "SLABINFO_START";
            case PAGE -> "PAGE";
            case CPU_STATS -> "CPU_STATS";
            case SLABINFO_END -> "SLABINFO_END";
            case LOSS -> "LOSS";
            case END -> "END";
            case PAGES_ZSTD -> "PAGES_ZSTD";
            case SLABINFO_SAMPLE -> "SLABINFO_SAMPLE";
            case SLAB_SYSFS -> "SLAB_SYSFS";
            case CGROUPS -> "CGROUPS";
            case RUN -> "RUN";
            default -> "kind " + kind;
        };
    }
}
