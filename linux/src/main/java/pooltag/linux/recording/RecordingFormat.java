package pooltag.linux.recording;

import java.nio.charset.StandardCharsets;

/**
 * Constants of the recording file format, version 1; documented field by field in {@code docs/RECORDING.md}.
 *
 * <p>File: a 16-byte file header ({@link #MAGIC}, u32 version, u32 flags), then blocks until end of file. Block:
 * a 16-byte block header (u32 kind, s32 cpu or -1, u32 payload length, u32 CRC-32 of the payload), then the
 * payload. All integers little-endian. The last block of a complete file is {@link #END}.
 */
public final class RecordingFormat {
    /** "PTAGREC" + NUL. */
    public static final byte[] MAGIC = "PTAGREC\0".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int FILE_HEADER_SIZE = 16;
    public static final int BLOCK_HEADER_SIZE = 16;
    /** Largest payload a reader accepts (kallsyms compressed is ~2 MiB; pages are 4 KiB + 8). */
    public static final int MAX_PAYLOAD = 256 << 20;

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
            default -> "kind " + kind;
        };
    }
}
