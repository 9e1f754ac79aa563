package pooltag.linux.recording;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.EventMerger;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.Page;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.ring.Le;
import pooltag.linux.ring.TraceSchema;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.CpuStats;

/**
 * Reads a recording: {@link #open} parses everything before the first page (metadata, formats, symbols, slabinfo);
 * {@link #replay} streams the pages through the same decoder and merger as a live session and reads the trailer.
 * A file without its END block (a killed recorder) replays up to its last complete block and reports itself cut
 * short; damage elsewhere is a {@link DecodeException} naming the file and byte offset.
 */
public final class RecordingReader implements AutoCloseable {
    private final Path path;
    private final String where;
    private final InputStream in;
    private final long fileSize;
    private long pos;

    private final Map<String, String> meta = new LinkedHashMap<>();
    private String headerPage;
    private final Map<String, String> formats = new LinkedHashMap<>();
    private byte[] kallsymsGz;
    private String modules = "";
    private String slabinfoStart;
    private TraceSchema schema;
    private KernelSymbols symbols;
    private final NameTable names = new NameTable();
    private int cpus;

    // the first block after the metadata (a page, or a trailer block), already read by open()
    private int pendingKind = -1;
    private int pendingCpu;
    private byte[] pendingPayload;
    private long pendingOffset;
    private boolean eof;
    private String cutShort;
    private long skippedBytes;

    private RecordingReader(Path path) throws IOException {
        this.path = path;
        this.where = path.toString();
        this.fileSize = Files.size(path);
        this.in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
    }

    public static RecordingReader open(Path path) {
        RecordingReader r;
        try {
            r = new RecordingReader(path);
        } catch (IOException e) {
            throw new PooltagException("cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            r.readPreamble();
            return r;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    private void readPreamble() {
        byte[] fh = new byte[RecordingFormat.FILE_HEADER_SIZE];
        int n = readFully(fh, 0, fh.length);
        if (n < 8 || !Arrays.equals(fh, 0, 8, RecordingFormat.MAGIC, 0, 8)) {
            throw new DecodeException(where, 0, "not a pooltag recording (bad magic)");
        }
        if (n < fh.length) {
            throw new DecodeException(where, n, "file header cut short");
        }
        int version = Le.i32(fh, 8);
        if (version != RecordingFormat.VERSION) {
            throw new DecodeException(where, 8, "recording version " + version + "; this pooltag reads version "
                    + RecordingFormat.VERSION);
        }
        while (nextBlock()) {
            switch (pendingKind) {
                case RecordingFormat.META -> {
                    for (String line : text().split("\n")) {
                        int eq = line.indexOf('=');
                        if (eq > 0) {
                            meta.put(line.substring(0, eq), line.substring(eq + 1));
                        }
                    }
                }
                case RecordingFormat.HEADER_PAGE -> headerPage = text();
                case RecordingFormat.FORMAT -> {
                    String t = text();
                    int nl = t.indexOf('\n');
                    if (nl <= 0) {
                        throw new DecodeException(where, pendingOffset, "FORMAT block without an event name line");
                    }
                    formats.put(t.substring(0, nl), t.substring(nl + 1));
                }
                case RecordingFormat.KALLSYMS_GZ -> kallsymsGz = pendingPayload;
                case RecordingFormat.MODULES -> modules = text();
                case RecordingFormat.SLABINFO_START -> slabinfoStart = text();
                default -> {
                    // first page or trailer: the preamble is over
                    finishPreamble();
                    return;
                }
            }
            pendingKind = -1;
        }
        finishPreamble();
    }

    private void finishPreamble() {
        if (headerPage == null) {
            throw new DecodeException(where, pos, "no HEADER_PAGE block before the pages"
                    + (cutShort != null ? " (" + cutShort + ")" : ""));
        }
        schema = TraceSchema.parse(headerPage, formats, where);
        try {
            cpus = Integer.parseInt(meta.getOrDefault("cpus", ""));
        } catch (NumberFormatException e) {
            throw new DecodeException(where, RecordingFormat.FILE_HEADER_SIZE, "META lacks a valid cpus= line");
        }
        if (cpus < 1 || cpus > 4096) {
            throw new DecodeException(where, RecordingFormat.FILE_HEADER_SIZE, "implausible cpu count " + cpus);
        }
    }

    private String text() {
        return new String(pendingPayload, StandardCharsets.UTF_8);
    }

    /** Reads the next block into pending*; false at end of file (clean or cut short, see {@link #cutShort}). */
    private boolean nextBlock() {
        if (eof) {
            return false;
        }
        long start = pos;
        byte[] h = new byte[RecordingFormat.BLOCK_HEADER_SIZE];
        int n = readFully(h, 0, h.length);
        if (n == 0) {
            eof = true;
            return false;
        }
        if (n < h.length) {
            return cut(start, "block header cut short at byte " + start);
        }
        int kind = Le.i32(h, 0);
        int cpu = Le.i32(h, 4);
        long len = Le.u32(h, 8);
        int crc = Le.i32(h, 12);
        if (len > RecordingFormat.MAX_PAYLOAD) {
            throw new DecodeException(where, start + 8, RecordingFormat.kindName(kind) + " block claims "
                    + len + " bytes (limit " + RecordingFormat.MAX_PAYLOAD + ")");
        }
        if (start + h.length + len > fileSize) {
            return cut(start, RecordingFormat.kindName(kind) + " block at byte " + start + " cut short ("
                    + (fileSize - start - h.length) + " of " + len + " payload bytes)");
        }
        byte[] payload = new byte[(int) len];
        int got = readFully(payload, 0, payload.length);
        if (got < len) {
            return cut(start, RecordingFormat.kindName(kind) + " block at byte " + start + " cut short");
        }
        CRC32 c = new CRC32();
        c.update(payload);
        if ((int) c.getValue() != crc) {
            throw new DecodeException(where, start, RecordingFormat.kindName(kind) + " block fails its CRC-32");
        }
        pendingKind = kind;
        pendingCpu = cpu;
        pendingPayload = payload;
        pendingOffset = start;
        return true;
    }

    private boolean cut(long start, String why) {
        eof = true;
        cutShort = why;
        skippedBytes = fileSize - start;
        return false;
    }

    private int readFully(byte[] b, int off, int len) {
        int total = 0;
        try {
            while (total < len) {
                int n = in.read(b, off + total, len - total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
        } catch (IOException e) {
            throw new PooltagException("reading " + where + " at byte " + pos + ": " + e.getMessage(), e);
        }
        pos += total;
        return total;
    }

    public Path path() {
        return path;
    }

    public Map<String, String> meta() {
        return meta;
    }

    public TraceSchema schema() {
        return schema;
    }

    public int cpus() {
        return cpus;
    }

    /** Cache names interned during {@link #replay}. */
    public NameTable names() {
        return names;
    }

    public String slabinfoStart() {
        return slabinfoStart;
    }

    /** The symbols of the recorded machine (parsed on first use); zero symbols when none were stored. */
    public synchronized KernelSymbols symbols() {
        if (symbols == null) {
            String ks = "";
            if (kallsymsGz != null) {
                try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(kallsymsGz))) {
                    ks = new String(gz.readAllBytes(), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new DecodeException(where, 0, "KALLSYMS_GZ block does not decompress: " + e.getMessage());
                }
            }
            symbols = KernelSymbols.parse(ks, modules, where + " kallsyms");
        }
        return symbols;
    }

    /** What a replay found, besides the events. */
    public record Replay(boolean complete, String cutShortReason, long fileBytes, long skippedBytes,
                         long unknownBlocks, long pages, long[] eventsByKind, long otherEvents,
                         long malformedRecords, long skippedPages, long outOfOrder, long lostFromHeaders,
                         long lostFlaggedPages, long lostFromStats, Map<Integer, CpuStats> cpuStats,
                         String slabinfoEnd, long firstPageNanos, long lastPageNanos, long endNanos,
                         String firstError) {
        public long totalEvents() {
            long s = 0;
            for (long n : eventsByKind) {
                s += n;
            }
            return s;
        }

        public long lostTotal() {
            return lostFromStats + lostFromHeaders;
        }
    }

    /**
     * Streams every page through the decoder and merger to {@code consumer} (per-CPU streams in timestamp order,
     * as live), then calls {@code consumer.onEnd(truncated)}. Call once.
     *
     * @param windowNanos reorder window, as in a live session (pages are ordered by their read time)
     */
    public Replay replay(AllocEventConsumer consumer, long windowNanos) {
        KmemDecoder decoder = new KmemDecoder(schema, names);
        int pageSize = schema.header().pageSize();
        ArrayDeque<Page> pool = new ArrayDeque<>();
        EventMerger merger = new EventMerger(cpus, schema.header(), decoder, windowNanos, pool::addLast, where);
        long unknown = 0, pages = 0, firstPage = -1, lastPage = -1, endNanos = -1, statsLost = 0;
        boolean complete = false;
        Map<Integer, CpuStats> stats = new TreeMap<>();
        String slabEnd = null;
        long horizon = Long.MIN_VALUE;
        boolean have = pendingKind >= 0;
        while (have || nextBlock()) {
            have = false;
            if (complete) {
                throw new DecodeException(where, pendingOffset, RecordingFormat.kindName(pendingKind)
                        + " block after the END block");
            }
            switch (pendingKind) {
                case RecordingFormat.PAGE -> {
                    byte[] b = pendingPayload;
                    if (b.length < 8 + schema.header().dataOffset() || b.length - 8 > pageSize) {
                        throw new DecodeException(where, pendingOffset, "PAGE block of " + b.length
                                + " bytes (a page is " + pageSize + " bytes plus 8)");
                    }
                    if (pendingCpu < 0 || pendingCpu >= cpus) {
                        throw new DecodeException(where, pendingOffset + 4, "PAGE block for cpu " + pendingCpu
                                + "; the recording has " + cpus);
                    }
                    Page p = pool.isEmpty() ? new Page(pageSize) : pool.pollFirst();
                    p.readNanos = Le.i64(b, 0);
                    p.length = b.length - 8;
                    System.arraycopy(b, 8, p.data, 0, p.length);
                    p.cpu = pendingCpu;
                    p.sourceOffset = pendingOffset + RecordingFormat.BLOCK_HEADER_SIZE + 8;
                    pages++;
                    if (firstPage < 0) {
                        firstPage = p.readNanos;
                    }
                    lastPage = p.readNanos;
                    horizon = Math.max(horizon, p.readNanos);
                    merger.addPage(p);
                    merger.emit(horizon, false, consumer);
                }
                case RecordingFormat.CPU_STATS -> {
                    CpuStats s = CpuStats.parseText(text());
                    stats.put(pendingCpu, s);
                }
                case RecordingFormat.SLABINFO_END -> slabEnd = text();
                case RecordingFormat.LOSS -> {
                    if (pendingPayload.length >= 8) {
                        statsLost = Le.i64(pendingPayload, 0);
                    }
                }
                case RecordingFormat.END -> {
                    complete = true;
                    if (pendingPayload.length >= 8) {
                        endNanos = Le.i64(pendingPayload, 0);
                    }
                }
                default -> unknown++; // a newer writer's block: skipped by its length, counted
            }
            pendingKind = -1;
        }
        merger.emit(Long.MAX_VALUE, true, consumer);
        if (!stats.isEmpty()) {
            long sum = 0;
            for (Map.Entry<Integer, CpuStats> e : stats.entrySet()) {
                long lost = e.getValue().lost();
                sum += lost;
                if (lost > 0) {
                    consumer.onLoss(e.getKey(), lost);
                }
            }
            statsLost = Math.max(statsLost, sum);
        } else if (statsLost > 0) {
            consumer.onLoss(-1, statsLost); // only the total survived
        }
        consumer.onEnd(!complete);
        long[] kinds = new long[KmemDecoder.KINDS];
        for (int k = 0; k < kinds.length; k++) {
            kinds[k] = merger.events(k);
        }
        String reason = complete ? null : cutShort != null ? cutShort : "no END block (the recorder was killed)";
        return new Replay(complete, reason, fileSize, skippedBytes, unknown, pages, kinds, merger.otherEvents(),
                merger.malformedRecords(), merger.skippedPages(), merger.outOfOrder(), merger.lostCounted(),
                merger.lostFlaggedPages(), statsLost, stats, slabEnd, firstPage, lastPage, endNanos,
                merger.firstError());
    }

    /**
     * Reads every remaining page into memory, in file order (benchmarks and tests; a replay streams instead).
     * Trailer blocks are skipped.
     */
    public java.util.List<Page> readPages() {
        java.util.List<Page> out = new java.util.ArrayList<>();
        int pageSize = schema.header().pageSize();
        boolean have = pendingKind >= 0;
        while (have || nextBlock()) {
            have = false;
            if (pendingKind == RecordingFormat.PAGE && pendingPayload.length >= 8
                    && pendingPayload.length - 8 <= pageSize && pendingCpu >= 0 && pendingCpu < cpus) {
                Page p = new Page(pageSize);
                p.readNanos = Le.i64(pendingPayload, 0);
                p.length = pendingPayload.length - 8;
                System.arraycopy(pendingPayload, 8, p.data, 0, p.length);
                p.cpu = pendingCpu;
                p.sourceOffset = pendingOffset + RecordingFormat.BLOCK_HEADER_SIZE + 8;
                out.add(p);
            }
            pendingKind = -1;
        }
        return out;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // read-only stream
        }
    }
}
