package pooltag.linux.recording;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

import pooltag.core.error.IoReasons;
import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.EventMerger;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.Page;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.Le;
import pooltag.linux.ring.TraceSchema;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.CpuStats;

/**
 * Reads a recording: {@link #open} parses everything before the first page (metadata, formats, symbols, slabinfo);
 * {@link #replay} streams the pages through the same decoder and merger as a live session and reads the trailer.
 * A file without its END block (a killed recorder) replays up to its last complete block and reports itself cut
 * short. A block that fails its CRC-32 (or whose header claims more than its kind holds) is skipped alone: reading
 * resumes at the next block whose header and CRC check out ({@link #resync}), and the skip is counted. A block whose
 * CRC holds but whose content does not decode (a writer that computed the CRC over bad bytes) is damage too, skipped
 * and counted the same way ({@link #undecodable}). What leaves nothing to decode (no file header, a page layout or
 * traced event format that does not parse) is a {@link DecodeException} naming the file and byte offset.
 */
public final class RecordingReader implements AutoCloseable {
    private final Path path;
    private final String where;
    private final Input in;
    private final long fileSize;
    private long pos;
    private int version;

    private final Map<String, String> meta = new LinkedHashMap<>();
    private String headerPage;
    private final Map<String, String> formats = new LinkedHashMap<>();
    private final Map<String, Long> formatOffsets = new LinkedHashMap<>();
    private long headerPageOffset;
    private byte[] kallsymsGz;
    private long kallsymsOffset;
    private String modules = "";
    private String slabinfoStart;
    private String slabSysfsText;
    private long slabSysfsOffset;
    private SideData side;
    private long cgroupEntries;
    private long cgroupEntriesKept;
    private long cgroupEntriesDropped;
    private long samples;
    private final Map<String, String> runFacts = new LinkedHashMap<>();
    private TraceSchema schema;
    private KernelSymbols symbols;
    private final NameTable names = new NameTable();
    private int cpus;

    // the current block (read by nextBlock): kind, cpu, payload[0, pendingLength), offset of its header
    private int pendingKind = -1;
    private int pendingCpu;
    private byte[] pendingPayload = new byte[8192];
    private int pendingLength;
    private long pendingOffset;
    private boolean eof;
    private String cutShort;
    private long skippedBytes;
    /**
     * Blocks skipped as damaged and read past: a failed CRC or implausible header ({@link #resync}), or a sound CRC
     * over content that does not decode ({@link #undecodable}); both counted by {@link #countDamage}.
     */
    private long damagedBlocks;
    /** The first damaged block's one-line reason (names its byte offset); null while none. */
    private String firstDamage;
    private long firstDamageOffset;
    /** A damaged stretch ran to the end of the file: the END block, if any, went with it. */
    private boolean damagedToEnd;
    private final CRC32 crc = new CRC32();
    /**
     * Version 3 (or a version 1/2 file with {@link RecordingFormat#FLAG_HEADER_CRC}): each block's CRC-32 covers its
     * header's first 12 bytes too.
     */
    private boolean headerCrc;
    private final byte[] blockHeader = new byte[RecordingFormat.BLOCK_HEADER_SIZE];

    // trailer state, filled as the pages are read
    private boolean complete;
    private long unknownBlocks;
    private long statsLost;
    private long endNanos = -1;
    /** The END block's count of pages written, -1 when it has none (a block of 8 bytes). */
    private long endPages = -1;
    private String slabinfoEnd;
    private final Map<Integer, CpuStats> cpuStats = new TreeMap<>();

    // the PAGES_ZSTD block being read: its uncompressed payload and the next entry
    private ZstdDecompressCtx zstd;
    private byte[] chunk;
    private int chunkPos;
    private int chunkPagesLeft;
    private int chunkPages;
    private long chunkOffset;

    private RecordingReader(Path path, String where, Input in, long size) {
        this.path = path;
        this.where = where;
        this.fileSize = size;
        this.in = in;
    }

    public static RecordingReader open(Path path) {
        RecordingReader r;
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            // Its size bounds every block read, and a pipe or a device has none: a recording is read from a file.
            throw new PooltagException("cannot read " + path + ": not a regular file (a recording is read from the"
                    + " file pooltag wrote; save a piped one to a file first)");
        }
        try {
            r = new RecordingReader(path, path.toString(), new Input(FileChannel.open(path), null),
                    Files.size(path));
        } catch (IOException e) {
            throw new PooltagException("cannot read " + path + ": " + IoReasons.of(e), e);
        }
        return r.start();
    }

    /**
     * A recording held in memory (an upload, a fuzzer's input).
     *
     * @param name how errors name it
     */
    public static RecordingReader open(String name, byte[] content) {
        return new RecordingReader(null, name, new Input(null, content), content.length).start();
    }

    private RecordingReader start() {
        try {
            readPreamble();
            return this;
        } catch (RuntimeException e) {
            close();
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
        version = Le.i32(fh, 8);
        if (version < RecordingFormat.VERSION_1 || version > RecordingFormat.VERSION) {
            throw new DecodeException(where, 8, "recording version " + version + "; this pooltag reads versions "
                    + RecordingFormat.VERSION_1 + " to " + RecordingFormat.VERSION);
        }
        int flags = Le.i32(fh, 12);
        int known = RecordingFormat.knownFlags(version);
        if ((flags & ~known) != 0) {
            throw new DecodeException(where, 12, String.format("flags 0x%x: bits 0x%x are unknown to this pooltag"
                    + " in a version %d recording (a newer writer's, or damage)", flags, flags & ~known, version));
        }
        headerCrc = version >= RecordingFormat.VERSION_3 || (flags & RecordingFormat.FLAG_HEADER_CRC) != 0;
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
                case RecordingFormat.HEADER_PAGE -> {
                    headerPage = text();
                    headerPageOffset = pendingOffset;
                }
                case RecordingFormat.FORMAT -> {
                    try {
                        formatBlock();
                    } catch (DecodeException e) {
                        // skipped as damaged: the schema, read next, names it first if it missed this format
                        undecodable(RecordingFormat.FORMAT, pendingOffset, e);
                    }
                }
                case RecordingFormat.KALLSYMS_GZ -> {
                    kallsymsGz = Arrays.copyOf(pendingPayload, pendingLength);
                    kallsymsOffset = pendingOffset;
                }
                case RecordingFormat.MODULES -> modules = text();
                case RecordingFormat.SLABINFO_START -> slabinfoStart = text();
                case RecordingFormat.SLAB_SYSFS -> {
                    slabSysfsText = text();
                    slabSysfsOffset = pendingOffset;
                }
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

    /** Takes the FORMAT block just read: its event's name line, then the event's format text. */
    private void formatBlock() {
        if (formats.size() >= RecordingFormat.MAX_FORMATS) {
            throw new DecodeException(where, pendingOffset, "more than " + RecordingFormat.MAX_FORMATS
                    + " FORMAT blocks");
        }
        String t = text();
        int nl = t.indexOf('\n');
        if (nl <= 0) {
            throw new DecodeException(where, pendingOffset, "FORMAT block without an event name line");
        }
        formats.put(t.substring(0, nl), t.substring(nl + 1));
        formatOffsets.put(t.substring(0, nl), pendingOffset);
    }

    private void finishPreamble() {
        if (headerPage == null) {
            if (firstDamage != null) {
                // A damaged block was skipped before the pages' layout was read (it may have been HEADER_PAGE): the
                // damage is what the one line names, at its block.
                throw new DecodeException(where, firstDamageOffset, firstDamage + ", before the pages' layout"
                        + " (HEADER_PAGE) was read: nothing can be decoded");
            }
            if (cutShort != null) {
                // Cut before the pages' layout was read: nothing after it can be decoded.
                throw new DecodeException(where, fileSize - skippedBytes, cutShort + ", before the pages' layout"
                        + " (HEADER_PAGE) was read: nothing can be decoded");
            }
            throw new DecodeException(where, pos, "no HEADER_PAGE block before the pages");
        }
        try {
            readSchema();
        } catch (DecodeException e) {
            if (firstDamage == null) {
                throw e;
            }
            // A preamble block skipped as damaged (META, a FORMAT) is the likelier cause of what is missing: both
            // are named, the damage first, at its block.
            throw new DecodeException(where, firstDamageOffset, firstDamage + ", in the preamble; then: "
                    + e.getMessage().strip());
        }
    }

    private void readSchema() {
        try {
            schema = TraceSchema.parse(headerPage, formats, "");
        } catch (DecodeException e) {
            throw inBlock(e);
        }
        try {
            cpus = Integer.parseInt(meta.getOrDefault("cpus", ""));
        } catch (NumberFormatException e) {
            throw new DecodeException(where, RecordingFormat.FILE_HEADER_SIZE, "META lacks a valid cpus= line");
        }
        if (cpus < 1 || cpus > RecordingFormat.MAX_CPUS) {
            throw new DecodeException(where, RecordingFormat.FILE_HEADER_SIZE, "implausible cpu count " + cpus);
        }
        refuseUndecodableTracedEvents();
    }

    /**
     * An event the recording traced (META {@code events}) whose FORMAT this decoder cannot read would replay as
     * "other events" and leave the ledger without it: refused here, naming the block, as a live session refuses
     * to trace it. Cannot happen in a file pooltag wrote (the recorder refused such an event before tracing): the
     * file is damaged past its CRC or hostile. The task events are optional, live and here.
     */
    private void refuseUndecodableTracedEvents() {
        String traced = meta.get("events");
        if (traced == null || traced.isEmpty()) {
            return;
        }
        Map<String, String> unsupported = new KmemDecoder(schema, new NameTable()).unsupported();
        for (String e : traced.split(",")) {
            String why = unsupported.get(e.strip());
            if (why == null || TraceConfig.TASK_EVENTS.contains(e.strip())) {
                continue;
            }
            int at = why.indexOf(" at byte ");
            int colon = why.indexOf(": ", Math.max(0, at));
            String what = at < 0 || colon < 0 ? why : why.substring(colon + 2);
            Long off = formatOffsets.get(e.strip());
            throw new DecodeException(where, off != null ? off : headerPageOffset, "FORMAT block " + e.strip()
                    + ": " + what + " (the recording traced this event, so its records cannot be replayed)");
        }
    }

    /**
     * A layout or format error (whose offset counts inside the text) restated at the file offset of the block that
     * holds the text: "FILE at byte N: FORMAT block kmem/kfree: line 4: ...".
     */
    private DecodeException inBlock(DecodeException e) {
        String m = e.getMessage().strip();
        int at = m.indexOf(" at byte ");
        String subject = at < 0 ? "" : m.substring(0, at).strip();
        int colon = m.indexOf(": ", Math.max(0, at));
        String what = colon < 0 ? m : m.substring(colon + 2);
        if (subject.equals("header_page")) {
            return new DecodeException(where, headerPageOffset, "HEADER_PAGE block: " + what);
        }
        String key = subject.endsWith("/format") ? subject.substring(0, subject.length() - "/format".length()) : null;
        Long off = key == null ? null : formatOffsets.get(key);
        if (off != null) {
            return new DecodeException(where, off, "FORMAT block " + key + ": " + what);
        }
        return new DecodeException(where, headerPageOffset, "event formats: " + what);
    }

    private String text() {
        return new String(pendingPayload, 0, pendingLength, StandardCharsets.UTF_8);
    }

    /** The largest payload a block of this kind may have; checked before anything is allocated for it. */
    private static long limitOf(int kind) {
        return switch (kind) {
            case RecordingFormat.META, RecordingFormat.HEADER_PAGE, RecordingFormat.FORMAT, RecordingFormat.MODULES,
                 RecordingFormat.SLABINFO_START, RecordingFormat.CPU_STATS, RecordingFormat.SLABINFO_END ->
                    RecordingFormat.MAX_TEXT;
            case RecordingFormat.KALLSYMS_GZ -> RecordingFormat.MAX_KALLSYMS_GZ;
            case RecordingFormat.PAGE -> 8L + HeaderPage.MAX_PAGE_SIZE;
            // a zstd frame is never much larger than its content (compressBound: + 1/256 + a few bytes)
            case RecordingFormat.PAGES_ZSTD -> RecordingFormat.CHUNK_HEADER + RecordingFormat.MAX_CHUNK_RAW
                    + (RecordingFormat.MAX_CHUNK_RAW >> 7) + 1024;
            case RecordingFormat.LOSS, RecordingFormat.END -> RecordingFormat.MAX_TRAILER;
            case RecordingFormat.SLAB_SYSFS, RecordingFormat.RUN -> RecordingFormat.MAX_TEXT;
            case RecordingFormat.SLABINFO_SAMPLE -> RecordingFormat.MAX_SAMPLE;
            case RecordingFormat.CGROUPS -> RecordingFormat.MAX_CGROUPS_BLOCK;
            default -> RecordingFormat.MAX_PAYLOAD; // skipped in small pieces, never held
        };
    }

    private static boolean known(int kind) {
        return kind >= RecordingFormat.META && kind <= RecordingFormat.RUN;
    }

    /**
     * Reads the next sound block into pending*; false at end of file (clean or cut short, see {@link #cutShort}). A
     * damaged block on the way is skipped and counted ({@link #resync}).
     */
    private boolean nextBlock() {
        while (!eof) {
            long start = pos;
            String damage = readBlock();
            if (damage == null) {
                return pendingKind >= 0;
            }
            resync(start, damage);
        }
        return false;
    }

    /**
     * Reads the block at {@link #pos} into pending*: null when it is sound (pendingKind set) or the file ends there
     * (eof, cut short or clean); else why it is damaged (its CRC fails, or its header claims more than its kind
     * holds), with {@link #pos} past its header.
     */
    private String readBlock() {
        pendingKind = -1;
        long start = pos;
        byte[] h = blockHeader;
        int n = readFully(h, 0, h.length);
        if (n == 0) {
            eof = true;
            return null;
        }
        if (n < h.length) {
            cut(start, "block header cut short at byte " + start);
            return null;
        }
        int kind = Le.i32(h, 0);
        int cpu = Le.i32(h, 4);
        long len = Le.u32(h, 8);
        int crc32 = Le.i32(h, 12);
        long limit = limitOf(kind);
        if (len > limit) {
            // No writer makes such a block: the header is damaged (or the file hostile), so the length, and with it
            // the next block's place, cannot be trusted; nothing is allocated for the claim.
            return RecordingFormat.kindName(kind) + " block at byte " + start + " claims " + len
                    + " payload bytes, more than that kind holds (" + limit + ")";
        }
        if (start + h.length + len > fileSize) {
            // A cut (the recorder was killed mid-write), unless a sound block follows: then the length was damaged.
            if (nextSoundBlock(start + 1, Math.min(fileSize, start + RESYNC_WINDOW)) >= 0) {
                return RecordingFormat.kindName(kind) + " block at byte " + start + " claims " + len
                        + " payload bytes, past the end of the file, and a sound block follows";
            }
            cut(start, RecordingFormat.kindName(kind) + " block at byte " + start + " cut short ("
                    + (fileSize - start - h.length) + " of " + len + " payload bytes)");
            return null;
        }
        crc.reset();
        if (headerCrc) {
            crc.update(h, 0, RecordingFormat.BLOCK_HEADER_CRC_SPAN);
        }
        if (known(kind)) {
            if (pendingPayload.length < len) {
                pendingPayload = new byte[(int) Math.max(len, Math.min(limit, 2L * pendingPayload.length))];
            }
            int got = readFully(pendingPayload, 0, (int) len);
            if (got < len) {
                cut(start, RecordingFormat.kindName(kind) + " block at byte " + start + " cut short");
                return null;
            }
            crc.update(pendingPayload, 0, (int) len);
            pendingLength = (int) len;
        } else {
            // a newer writer's block: checked and skipped in pieces, never held whole
            byte[] piece = new byte[(int) Math.min(len, 1 << 16)];
            long left = len;
            while (left > 0) {
                int m = (int) Math.min(left, piece.length);
                if (readFully(piece, 0, m) < m) {
                    cut(start, RecordingFormat.kindName(kind) + " block at byte " + start + " cut short");
                    return null;
                }
                crc.update(piece, 0, m);
                left -= m;
            }
            pendingLength = 0;
        }
        if ((int) crc.getValue() != crc32) {
            // Damage, not a decoding question: this block's bytes (in version 3 its header too) cannot be trusted.
            return RecordingFormat.kindName(kind) + " block at byte " + start + " fails its CRC-32";
        }
        pendingKind = kind;
        pendingCpu = cpu;
        pendingOffset = start;
        return null;
    }

    /**
     * Farthest past a damaged block that {@link #resync} looks for the next sound one: more than any block a
     * replay reads after the preamble (a PAGES_ZSTD block is at most about 4 MiB), with room for a few damaged ones
     * in a row. Past it the rest of the file is skipped, as for a cut.
     */
    static final long RESYNC_WINDOW = 64L << 20;
    /**
     * Most payload bytes one reader CRC-checks for candidate blocks over the whole file, every {@link #resync} and
     * cut check together: a hostile file of plausible headers claiming megabytes each must not cost minutes. Per
     * file, not per resync: a file that alternates damaged blocks with sound ones made each resync spend its own
     * budget again, and its cost grew with the square of its size (a 4 MiB file ran over a minute). A real
     * recording's page bytes rarely pass the header filter, and its resyncs land at the place the damaged length
     * names. Spent, the rest of the file is skipped as damaged.
     */
    static final long RESYNC_CRC_BUDGET = 256L << 20;
    /** Most offsets one reader tries as a block's start over the whole file, for the same reason. */
    static final long RESYNC_SCAN_BUDGET = 256L << 20;
    /** What is left of {@link #RESYNC_CRC_BUDGET} and {@link #RESYNC_SCAN_BUDGET} for this file. */
    private long resyncCrcLeft = RESYNC_CRC_BUDGET;
    private long resyncScanLeft = RESYNC_SCAN_BUDGET;

    /** Payload bytes CRC-checked so far in search of a sound block (at most {@link #RESYNC_CRC_BUDGET}). */
    long resyncCrcBytes() {
        return RESYNC_CRC_BUDGET - resyncCrcLeft;
    }

    /**
     * Skips the damaged block at {@code start} and goes on at the next sound block: at the place its header's
     * length names when a sound block starts there (the usual damage, a flipped payload byte), else at the first
     * offset after {@code start}, within {@link #RESYNC_WINDOW}, where one does (the length itself was damaged, or
     * the next block is damaged too). The skipped stretch is counted: its bytes, its blocks ({@link #blocksIn}), and
     * the pages it held once the END block's count is read. When no sound block follows, the rest of the file is
     * skipped.
     */
    private void resync(long start, String damage) {
        long len = Le.u32(blockHeader, 8);
        long claimed = start + RecordingFormat.BLOCK_HEADER_SIZE + len;
        long next = -1;
        if (len <= limitOf(Le.i32(blockHeader, 0)) && claimed < fileSize) {
            next = nextSoundBlock(claimed, claimed + RecordingFormat.BLOCK_HEADER_SIZE);
        }
        if (next < 0) {
            next = nextSoundBlock(start + 1, Math.min(fileSize, start + RESYNC_WINDOW));
        }
        long end = next < 0 ? fileSize : next;
        countDamage(start, end, blocksIn(start, end), damage);
        eof = next < 0;
        pos = end;
    }

    /**
     * The one tally of damage, for a block whose CRC fails ({@link #resync}) and for one whose CRC holds but whose
     * content does not decode ({@link #undecodable}) alike: the stretch {@code [start, end)} of the file, holding
     * {@code blocks} blocks, was skipped (its bytes in skippedBytes, its pages counted once the END block's count is
     * read), and the first damage is named by its one-line reason.
     */
    private void countDamage(long start, long end, long blocks, String damage) {
        if (firstDamage == null) {
            firstDamage = damage;
            firstDamageOffset = start;
        }
        damagedBlocks += blocks;
        skippedBytes += end - start;
        damagedToEnd |= end >= fileSize;
    }

    /**
     * The block of {@code kind} just taken (at {@code start}, pendingLength payload bytes) passed its CRC-32 but its
     * content does not decode ({@code e}): a writer computed the CRC over bad bytes (a bug, or a hostile file). It is
     * damage all the same, counted as one damaged block exactly as a failed CRC is, and nothing of it is used (its PAGES_ZSTD pages are all checked
     * before the first is handed out, its CGROUPS entries before the first is kept). Its CRC vouches for its length,
     * so the next block starts right after it, where {@link #pos} already is: no search. The reason names the block
     * and its byte offset, then what the decoder found.
     */
    private void undecodable(int kind, long start, DecodeException e) {
        String m = e.getMessage();
        String prefix = where + " at byte " + e.offset() + ": ";
        String what = m.startsWith(prefix) ? m.substring(prefix.length()) : m;
        countDamage(start, start + RecordingFormat.BLOCK_HEADER_SIZE + pendingLength, 1,
                RecordingFormat.kindName(kind) + " block at byte " + start
                        + " does not decode, though its CRC-32 holds: " + what);
    }

    /**
     * How many blocks the damaged stretch {@code [from, to)} held: as many as its headers' lengths step through when
     * they lead exactly to {@code to} (two damaged blocks in a row count 2), else 1 (a damaged length hides where the
     * next block began; landing exactly on {@code to} through damaged bytes is practically impossible).
     */
    private long blocksIn(long from, long to) {
        byte[] h = new byte[RecordingFormat.BLOCK_HEADER_SIZE];
        long n = 0;
        for (long at = from; at < to; n++) {
            if (readAt(at, h, 0, h.length) < h.length) {
                return 1;
            }
            at += RecordingFormat.BLOCK_HEADER_SIZE + Le.u32(h, 8);
            if (at > to) {
                return 1;
            }
        }
        return Math.max(1, n);
    }

    /**
     * Whether the 16 bytes {@code h} at {@code at} read as a block header a writer could have made: a known kind, a
     * cpu of -1 or a CPU number, a length within the kind's bound and inside the file. A filter, not a proof (page
     * bytes often pass it); {@link #nextSoundBlock} adds the CRC.
     */
    private boolean plausible(byte[] h, long at) {
        int kind = Le.i32(h, 0);
        int cpu = Le.i32(h, 4);
        long len = Le.u32(h, 8);
        return known(kind) && cpu >= -1 && cpu < RecordingFormat.MAX_CPUS && len <= limitOf(kind)
                && at + RecordingFormat.BLOCK_HEADER_SIZE + len <= fileSize;
    }

    /**
     * The first offset in {@code [from, to)} where a sound block starts: a {@link #plausible} header whose CRC-32
     * matches its bytes; -1 when none does (or this file's scan or CRC budget is spent). A false match is practically
     * impossible: the stored CRC-32 must equal the CRC of the bytes it claims to cover (a 1 in 2^32 chance for bytes that are not
     * a block), and a payload of at least one byte is required, since the CRC of nothing is 0 and a version 1 or 2
     * header of zeros would match it. An empty block (MODULES of a kernel without modules) is therefore never a
     * place to resume: the next non-empty one is, and the empty one is counted in the skipped stretch.
     */
    private long nextSoundBlock(long from, long to) {
        byte[] h = new byte[RecordingFormat.BLOCK_HEADER_SIZE];
        byte[] piece = new byte[1 << 16];
        CRC32 c = new CRC32();
        for (long at = from; at + RecordingFormat.BLOCK_HEADER_SIZE <= to; at++) {
            if (resyncScanLeft-- <= 0 || readAt(at, h, 0, h.length) < h.length) {
                return -1;
            }
            long len = Le.u32(h, 8);
            if (len == 0 || !plausible(h, at)) {
                continue;
            }
            if (resyncCrcLeft < len) {
                resyncCrcLeft = 0; // spent: later resyncs find nothing either
                return -1;
            }
            resyncCrcLeft -= len;
            c.reset();
            if (headerCrc) {
                c.update(h, 0, RecordingFormat.BLOCK_HEADER_CRC_SPAN);
            }
            long p = at + RecordingFormat.BLOCK_HEADER_SIZE;
            for (long left = len; left > 0; ) {
                int m = (int) Math.min(left, piece.length);
                if (readAt(p, piece, 0, m) < m) {
                    return -1;
                }
                c.update(piece, 0, m);
                p += m;
                left -= m;
            }
            if ((int) c.getValue() == Le.i32(h, 12)) {
                return at;
            }
        }
        return -1;
    }

    private void cut(long start, String why) {
        eof = true;
        cutShort = why;
        skippedBytes += fileSize - start;
    }

    private int readFully(byte[] b, int off, int len) {
        int n = readAt(pos, b, off, len);
        pos += n;
        return n;
    }

    /** Up to {@code len} bytes at file offset {@code at} (fewer only at the end of the file); {@link #pos} stays. */
    private int readAt(long at, byte[] b, int off, int len) {
        try {
            return in.read(at, b, off, len);
        } catch (IOException e) {
            throw new PooltagException("reading " + where + " at byte " + at + ": " + IoReasons.of(e), e);
        }
    }

    /**
     * The recording's bytes by offset (a resync looks back into a block already read), from a file through a 64 KiB
     * window (a version 1 file is one 16-byte header and one page per block: not a system call each) or from memory.
     */
    private static final class Input {
        private final FileChannel ch;
        private final byte[] mem;
        private final byte[] win;
        private long winStart;
        private int winLen;

        Input(FileChannel ch, byte[] mem) {
            this.ch = ch;
            this.mem = mem;
            this.win = ch == null ? null : new byte[1 << 16];
        }

        int read(long at, byte[] b, int off, int len) throws IOException {
            if (mem != null) {
                int n = (int) Math.max(0, Math.min(len, mem.length - at));
                System.arraycopy(mem, (int) at, b, off, n);
                return n;
            }
            int total = 0;
            while (total < len) {
                long p = at + total;
                if (p >= winStart && p < winStart + winLen) {
                    int m = (int) Math.min(len - total, winStart + winLen - p);
                    System.arraycopy(win, (int) (p - winStart), b, off + total, m);
                    total += m;
                } else if (len - total >= win.length) {
                    int want = len - total;
                    int n = fill(p, ByteBuffer.wrap(b, off + total, want));
                    total += n;
                    if (n < want) {
                        break; // end of file
                    }
                } else {
                    winStart = p;
                    winLen = fill(p, ByteBuffer.wrap(win));
                    if (winLen == 0) {
                        break;
                    }
                }
            }
            return total;
        }

        /** Fills {@code buf} from {@code at} on, short only at the end of the file. */
        private int fill(long at, ByteBuffer buf) throws IOException {
            int n = 0;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, at + n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return n;
        }

        void close() throws IOException {
            if (ch != null) {
                ch.close();
            }
        }
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

    /** The recorded machine's {@code /proc/modules} text ("" when none was stored). */
    public String modulesText() {
        return modules;
    }

    public String slabinfoStart() {
        return slabinfoStart;
    }

    /**
     * The recorded machine's {@code /sys/kernel/slab} view (reclaimable caches, merged names) from the SLAB_SYSFS
     * block; {@link SlabSysfs#absent()} for a recording made before pooltag stored it (every cache NonPaged). The one
     * policy for a recording's pools: every replay (report, hunt/find --from, kd, the web Open view) uses it, so a
     * file reads the same wherever it is read (never the reading machine's {@code /sys/kernel/slab}).
     */
    public SlabSysfs slabSysfs() {
        if (slabSysfsText == null) {
            return SlabSysfs.absent();
        }
        try {
            return SlabSysfs.parse(slabSysfsText);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(where, slabSysfsOffset, "SLAB_SYSFS block: " + e.getMessage());
        }
    }

    /** True when the file carries SLAB_SYSFS (a recording made by a pooltag that stores what a hunt needs). */
    public boolean hasSlabSysfs() {
        return slabSysfsText != null;
    }

    /**
     * What a recording carries for an offline hunt besides its events, handed over block by block in file order
     * (by {@link #replay} once set with {@link #side}, or by {@link #scanSide} without decoding a page).
     */
    public interface SideData {
        /** A SLABINFO_SAMPLE: {@code /proc/slabinfo}'s text as read at {@code nanos} (CLOCK_MONOTONIC). */
        default void sample(long nanos, String slabinfo, String where) {
        }

        /** False when {@link #sample} is unused: the samples are then skipped without being decompressed. */
        default boolean wantsSamples() {
            return true;
        }

        /**
         * False when {@link #cgroup} is unused: the entries are then only checked. When true, at most
         * {@link RecordingFormat#MAX_CGROUP_ENTRIES} are handed over; the rest are counted
         * ({@link #cgroupEntriesDropped}), never an error.
         */
        default boolean wantsCgroups() {
            return true;
        }

        /** A CGROUPS entry: events of {@code pid} from {@code nanos} on are charged to {@code path}. */
        default void cgroup(long nanos, int pid, String path) {
        }

        /** The RUN block's {@code key=value} facts. */
        default void run(Map<String, String> facts) {
        }
    }

    /** Sets who receives the side blocks during {@link #replay}; before it. */
    public RecordingReader side(SideData sink) {
        this.side = sink;
        return this;
    }

    /**
     * Reads every remaining block, handing the side blocks to {@code sink} and skipping pages without decompressing
     * them (CRCs are still checked): the first pass of an offline hunt, which must know every task's cgroup before
     * the first event is charged. The reader cannot replay afterwards.
     */
    public void scanSide(SideData sink) {
        this.side = sink;
        if (pendingKind >= 0) {
            takeSideBlock();
        }
        while (nextBlock()) {
            takeSideBlock();
        }
    }

    /** The sound block just read, taken if it is a side block; one that does not decode is counted as damaged. */
    private void takeSideBlock() {
        int kind = pendingKind;
        pendingKind = -1;
        try {
            sideBlock(kind);
        } catch (DecodeException e) {
            undecodable(kind, pendingOffset, e);
        }
    }

    /** Hands a side block to {@link #side}; false when {@code kind} is not one. */
    private boolean sideBlock(int kind) {
        switch (kind) {
            case RecordingFormat.SLABINFO_SAMPLE -> {
                if (pendingLength < 8) {
                    throw new DecodeException(where, pendingOffset, "SLABINFO_SAMPLE block of " + pendingLength
                            + " bytes");
                }
                if (side != null && side.wantsSamples()) {
                    long at = Le.i64(pendingPayload, 0);
                    String text = gunzip(pendingPayload, 8, pendingLength - 8, RecordingFormat.MAX_TEXT,
                            Integer.MAX_VALUE, pendingOffset, "SLABINFO_SAMPLE");
                    side.sample(at, text, where + " SLABINFO_SAMPLE block at byte " + pendingOffset);
                }
                samples++; // after the gunzip: a block that does not decode is a damaged one, not a sample
            }
            case RecordingFormat.CGROUPS -> cgroupEntries(side != null && side.wantsCgroups() ? side : null);
            case RecordingFormat.RUN -> {
                Map<String, String> facts = new LinkedHashMap<>();
                for (String line : text().split("\n")) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        facts.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
                runFacts.putAll(facts); // what the recorder dropped goes into the replay's health
                if (side != null) {
                    side.run(facts);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks every entry of the current CGROUPS block, then hands them to {@code sink} (may be null), at most
     * {@link RecordingFormat#MAX_CGROUP_ENTRIES} over the file: past it they are counted, not kept (a long recording
     * on a fork-heavy host stays readable). All are checked before the first is kept: a block that does not decode
     * is a damaged block, none of whose entries count.
     */
    private void cgroupEntries(SideData sink) {
        int checked = 0;
        while (checked < pendingLength) {
            checked = cgroupEntryEnd(checked);
        }
        for (int at = 0; at < pendingLength; at = cgroupEntryEnd(at)) {
            cgroupEntries++;
            if (sink != null) {
                if (cgroupEntriesKept < RecordingFormat.MAX_CGROUP_ENTRIES) {
                    cgroupEntriesKept++;
                    int len = (pendingPayload[at + 12] & 0xff) | (pendingPayload[at + 13] & 0xff) << 8;
                    sink.cgroup(Le.i64(pendingPayload, at), Le.i32(pendingPayload, at + 8),
                            new String(pendingPayload, at + RecordingFormat.CGROUP_ENTRY_HEADER, len,
                                    StandardCharsets.UTF_8));
                } else {
                    cgroupEntriesDropped++;
                }
            }
        }
    }

    /** Where the current CGROUPS block's entry at {@code at} ends, once checked to lie whole inside the block. */
    private int cgroupEntryEnd(int at) {
        if (pendingLength - at < RecordingFormat.CGROUP_ENTRY_HEADER) {
            throw new DecodeException(where, pendingOffset, "CGROUPS block: entry at " + at
                    + " runs past the block's " + pendingLength + " bytes");
        }
        int len = (pendingPayload[at + 12] & 0xff) | (pendingPayload[at + 13] & 0xff) << 8;
        int p = at + RecordingFormat.CGROUP_ENTRY_HEADER;
        if (len == 0 || len > RecordingFormat.MAX_CGROUP_PATH || len > pendingLength - p) {
            throw new DecodeException(where, pendingOffset, "CGROUPS block: entry at " + at + " has a path of "
                    + len + " bytes (1.." + RecordingFormat.MAX_CGROUP_PATH + ", inside the block)");
        }
        return p + len;
    }

    /** SLABINFO_SAMPLE blocks read so far. */
    public long samples() {
        return samples;
    }

    /** CGROUPS entries read so far. */
    public long cgroupEntries() {
        return cgroupEntries;
    }

    /** CGROUPS entries read and not handed to a sink that wanted them: past the reader's bound. */
    public long cgroupEntriesDropped() {
        return cgroupEntriesDropped;
    }

    /** A text among the RUN facts read so far, at most 300 characters shown; null when absent or empty. */
    private String runLine(String key) {
        String v = runFacts.get(key);
        if (v == null || v.isBlank()) {
            return null;
        }
        v = v.strip().replaceAll("\\p{Cntrl}", "?"); // the file's text, printed to a terminal: no control bytes
        return v.length() <= 300 ? v : v.substring(0, 300) + "...";
    }

    /** A count among the RUN facts read so far; 0 when absent or not a number. */
    private long runCount(String key) {
        try {
            return Math.max(0, Long.parseLong(runFacts.getOrDefault(key, "0").strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The symbols of the recorded machine (parsed on first use); zero symbols when none were stored. */
    public synchronized KernelSymbols symbols() {
        if (symbols == null) {
            String ks = kallsymsGz == null ? "" : gunzipKallsyms();
            symbols = KernelSymbols.parse(ks, modules, where + " kallsyms");
        }
        return symbols;
    }

    /**
     * The KALLSYMS_GZ block's text, read in pieces into a buffer that may grow to
     * {@link RecordingFormat#MAX_KALLSYMS_TEXT} and no further (a small gzip can claim gigabytes).
     */
    private String gunzipKallsyms() {
        return gunzip(kallsymsGz, 0, kallsymsGz.length, RecordingFormat.MAX_KALLSYMS_TEXT,
                RecordingFormat.MAX_KALLSYMS_LINES, kallsymsOffset, "KALLSYMS_GZ");
    }

    /**
     * A gzip payload's text (Latin-1), read in pieces into a buffer that may grow to {@code max} bytes and no
     * further (a small gzip can claim gigabytes), with at most {@code maxLines} lines.
     */
    private String gunzip(byte[] gzipped, int off, int len, int max, int maxLines, long blockOffset, String what) {
        byte[] out = new byte[Math.min(max, Math.max(1 << 16, len * 4))];
        int n = 0;
        int lines = 0;
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(gzipped, off, len), 1 << 16)) {
            while (true) {
                if (n == out.length) {
                    if (out.length >= max) {
                        if (gz.read() < 0) {
                            break;
                        }
                        throw new DecodeException(where, blockOffset, what + " block decompresses to more than "
                                + max + " bytes");
                    }
                    out = Arrays.copyOf(out, (int) Math.min(max, 2L * out.length));
                }
                int r = gz.read(out, n, out.length - n);
                if (r < 0) {
                    break;
                }
                for (int i = n; i < n + r; i++) {
                    if (out[i] == '\n') {
                        lines++;
                    }
                }
                n += r;
                if (lines > maxLines) {
                    throw new DecodeException(where, blockOffset, what + " block holds more than " + maxLines
                            + " lines");
                }
            }
        } catch (IOException e) {
            throw new DecodeException(where, blockOffset, what + " block does not decompress: " + e.getMessage());
        }
        return new String(out, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** What a replay found, besides the events. */
    public record Replay(boolean complete, String cutShortReason, long fileBytes, long skippedBytes,
                         long unknownBlocks, long pages, long[] eventsByKind, long otherEvents,
                         long malformedRecords, long skippedPages, long outOfOrder, long lostFromHeaders,
                         long lostFlaggedPages, long lostFromStats, Map<Integer, CpuStats> cpuStats,
                         String slabinfoEnd, long firstPageNanos, long lastPageNanos, long endNanos,
                         String firstError, long forcedDrains, long samplesDropped,
                         long cgroupDecisionsDropped, long damagedBlocks, String firstDamage, String diskFull,
                         long diskFullPagesDropped) {
        /**
         * "complete", "cut short" (the file ends early: {@link #cutShortReason}) or "damaged" (blocks skipped as
         * damaged and read past: {@link #damagedBlocks}, the first one named by {@link #firstDamage}).
         */
        public String state() {
            return complete ? "complete" : cutShortReason != null ? "cut short" : "damaged";
        }

        /**
         * The state as one phrase with its reasons: "complete", "CUT SHORT (reason)", "DAMAGED (first damage; N
         * damaged blocks skipped)", or both of the last two.
         */
        public String stateLine() {
            if (complete) {
                return "complete";
            }
            String damaged = damagedBlocks == 0 ? "" : "DAMAGED (" + firstDamage + "; " + damagedBlocks
                    + (damagedBlocks == 1 ? " damaged block" : " damaged blocks") + " skipped)";
            if (cutShortReason == null) {
                return damaged;
            }
            return "CUT SHORT (" + cutShortReason + ")" + (damaged.isEmpty() ? "" : "; " + damaged);
        }

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

        /**
         * How often the replay stopped waiting for a CPU whose pages held back more than
         * {@link RecordingFormat#MAX_QUEUED_PAGE_BYTES} and delivered everything queued (events that arrive
         * after such a drain with older timestamps are counted in {@link #outOfOrder}). 0 for a sound recording.
         */
        public long forcedDrains() {
            return forcedDrains;
        }

        /** Slabinfo samples the recorder dropped because its writer fell behind (RUN {@code samples_dropped}). */
        public long samplesDropped() {
            return samplesDropped;
        }

        /**
         * Why the recorder stopped early for a full disk (RUN {@code disk_full}: the refusal, one line), or null; the
         * file is whole, only shorter than asked.
         */
        public String diskFull() {
            return diskFull;
        }

        /**
         * Pages a full disk kept out of the file (RUN {@code disk_full_pages_dropped}); their events are in
         * {@link #lostTotal}.
         */
        public long diskFullPagesDropped() {
            return diskFullPagesDropped;
        }

        /**
         * Cgroup decisions lost: those the recorder did not write past its bound (RUN
         * {@code cgroup_decisions_dropped}) plus those this replay read and did not keep past its own. Their tasks'
         * events go to an older decision of the pid, or to {@code [unresolved]}.
         */
        public long cgroupDecisionsDropped() {
            return cgroupDecisionsDropped;
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
        long[] queued = new long[1]; // page bytes handed to the merger and not yet given back
        EventMerger merger = new EventMerger(cpus, schema.header(), decoder, windowNanos,
                p -> queued[0] -= p.length, where);
        // A recording's pages range from a few bytes to the header page's size, so its queue is bounded in bytes below
        // (MAX_QUEUED_PAGE_BYTES, counted as forced drains), not by the merger's page count, which bounds live
        // sessions whose pages all come from the fixed-size pool: one bound per source, never two racing.
        merger.setMaxPendingPages(Integer.MAX_VALUE);
        long pages = 0, firstPage = -1, lastPage = -1, forced = 0;
        long horizon = Long.MIN_VALUE;
        Page p;
        while ((p = nextPage()) != null) {
            pages++;
            if (firstPage < 0) {
                firstPage = p.readNanos;
            }
            lastPage = p.readNanos;
            horizon = Math.max(horizon, p.readNanos);
            queued[0] += p.length;
            merger.addPage(p);
            merger.emit(horizon, false, consumer);
            if (queued[0] > RecordingFormat.MAX_QUEUED_PAGE_BYTES) {
                // a CPU holds the merge back (its events never come due): deliver what is queued, count it
                forced++;
                merger.emit(Long.MAX_VALUE, true, consumer);
            }
        }
        merger.emit(Long.MAX_VALUE, true, consumer);
        long damagedPages = 0;
        if (complete && damagedBlocks > 0 && endPages > pages) {
            // The writer counts every page it wrote; the pages the file does not deliver were in the damaged blocks.
            damagedPages = endPages - pages;
        } else if (complete && endPages >= 0 && endPages != pages) {
            // The writer counts every page it wrote. Pages the file does not deliver went missing without a failed CRC:
            // a block whose kind was damaged into another known kind, in a version 1 or 2 file whose block headers
            // are not under the CRC; or blocks dropped or repeated by something that rewrote the file.
            complete = false;
            cutShort = "the END block counts " + endPages + " pages written, the file holds " + pages
                    + (endPages > pages ? ": " + (endPages - pages) + " pages are missing" : "")
                    + " (blocks lost or damaged where no CRC could see it)";
        }
        if (!cpuStats.isEmpty()) {
            long sum = 0;
            for (Map.Entry<Integer, CpuStats> e : cpuStats.entrySet()) {
                // the trailer's stats are read after the drain: entries still counted then are events the kernel
                // stranded (SessionStats#leftInKernel), lost like the ones it dropped
                long lost = e.getValue().lost() + e.getValue().entries(); // parsed counters: 0..2^48 each
                sum += lost;
                if (lost > 0) {
                    consumer.onLoss(e.getKey(), lost);
                }
            }
            if (statsLost > sum) {
                // the LOSS block's count beyond the stats: events the kernel handed over that the recorder never
                // wrote (pages a full disk kept out of the spool); no CPU is told apart
                consumer.onLoss(-1, statsLost - sum);
            }
            statsLost = Math.max(statsLost, sum);
        } else if (statsLost > 0) {
            consumer.onLoss(-1, statsLost); // only the total survived
        }
        if (damagedBlocks > 0) {
            complete = false; // read on past the damage, but not whole: every door says so and exits non-zero
        }
        consumer.onEnd(!complete);
        long[] kinds = new long[KmemDecoder.KINDS];
        for (int k = 0; k < kinds.length; k++) {
            kinds[k] = merger.events(k);
        }
        // Cut short: the file ends early (cut, or no END block). A damaged file whose END block was read is not cut.
        String reason = cutShort != null ? cutShort : endNanos >= 0 ? null : damagedToEnd
                ? "no END block (damaged blocks ran to the end of the file)" : "no END block (the recorder was killed)";
        return new Replay(complete, reason, fileSize, skippedBytes, unknownBlocks, pages, kinds,
                merger.otherEvents(), merger.malformedRecords(), merger.skippedPages() + damagedPages,
                merger.outOfOrder(),
                merger.lostCounted(), merger.lostFlaggedPages(), statsLost, cpuStats, slabinfoEnd, firstPage,
                lastPage, endNanos, merger.firstError(), forced,
                runCount(RecordingFormat.RUN_SAMPLES_DROPPED),
                runCount(RecordingFormat.RUN_CGROUP_DECISIONS_DROPPED) + cgroupEntriesDropped, damagedBlocks,
                firstDamage, runLine(RecordingFormat.RUN_DISK_FULL),
                runCount(RecordingFormat.RUN_DISK_FULL_PAGES_DROPPED));
    }

    /**
     * Reads every remaining page into memory, in file order (benchmarks and tests; a replay streams instead).
     * Trailer blocks are read as in a replay.
     */
    public java.util.List<Page> readPages() {
        java.util.List<Page> out = new java.util.ArrayList<>();
        Page p;
        while ((p = nextPage()) != null) {
            out.add(p);
        }
        return out;
    }

    /**
     * The next page in file order, from a PAGE block or the current PAGES_ZSTD block; trailer blocks on the way
     * are taken into the trailer state. Null at the end of the file. Each page is a new array of its own length
     * (a replay holds pages by their real size, so a short block never turns into a full-size page). A block whose
     * content does not decode is skipped and counted as damaged ({@link #undecodable}), and reading goes on.
     */
    private Page nextPage() {
        while (true) {
            if (chunkPagesLeft > 0) {
                return chunkEntry();
            }
            if (pendingKind < 0 && !nextBlock()) {
                return null;
            }
            int kind = pendingKind;
            pendingKind = -1;
            try {
                Page p = takeBlock(kind);
                if (p != null) {
                    return p;
                }
            } catch (DecodeException e) {
                undecodable(kind, pendingOffset, e);
            }
        }
    }

    /**
     * Takes the sound block just read (pending*): a PAGE block's page; else null, a PAGES_ZSTD block opened for
     * {@link #chunkEntry}, a trailer or side block taken into the replay's state. Throws {@link DecodeException}
     * when its content does not decode, before any of it is used.
     */
    private Page takeBlock(int kind) {
        if (complete) {
            throw new DecodeException(where, pendingOffset, RecordingFormat.kindName(kind)
                    + " block after the END block");
        }
        switch (kind) {
            case RecordingFormat.PAGE -> {
                if (pendingLength < 8) {
                    throw new DecodeException(where, pendingOffset, "PAGE block of " + pendingLength
                            + " bytes (a page is " + schema.header().pageSize() + " bytes plus 8)");
                }
                return page(pendingCpu, Le.i64(pendingPayload, 0), pendingPayload, 8, pendingLength - 8,
                        pendingOffset, pendingOffset + RecordingFormat.BLOCK_HEADER_SIZE + 8, "PAGE block");
            }
            case RecordingFormat.PAGES_ZSTD -> openChunk();
            case RecordingFormat.CPU_STATS -> {
                if (pendingCpu < 0 || pendingCpu >= cpus) {
                    throw new DecodeException(where, pendingOffset + 4, "CPU_STATS block for cpu " + pendingCpu
                            + "; the recording has " + cpus);
                }
                cpuStats.put(pendingCpu, CpuStats.parseText(text()));
            }
            case RecordingFormat.SLABINFO_END -> slabinfoEnd = text();
            case RecordingFormat.LOSS -> statsLost = lossBlock();
            case RecordingFormat.END -> {
                if (pendingLength < 8) {
                    throw new DecodeException(where, pendingOffset, "END block holds " + pendingLength
                            + " bytes; it starts with the u64 stop time");
                }
                complete = true;
                endNanos = Le.i64(pendingPayload, 0);
                endPages = pendingLength >= 16 ? Le.i64(pendingPayload, 8) : -1;
            }
            default -> {
                if (!sideBlock(kind)) {
                    unknownBlocks++; // a newer writer's block, or a preamble block out of place
                }
            }
        }
        return null;
    }

    /**
     * The kernel's lost-event count from a LOSS block. A block too short for it, or a count no kernel could reach
     * (the u64 read as negative, as a block of all ones is), is refused rather than read as 0 lost: the one figure a
     * replay cannot recompute must not go missing quietly.
     */
    private long lossBlock() {
        if (pendingLength < 8) {
            throw new DecodeException(where, pendingOffset, "LOSS block holds " + pendingLength
                    + " bytes; it starts with the u64 count of events the kernel lost");
        }
        long lost = Le.i64(pendingPayload, 0);
        if (lost < 0) {
            throw new DecodeException(where, pendingOffset + RecordingFormat.BLOCK_HEADER_SIZE,
                    "LOSS block says " + Long.toUnsignedString(lost) + " events were lost: more than any kernel"
                            + " counts");
        }
        return lost;
    }

    /**
     * One page, checked against the recording's layout before anything is allocated for it.
     *
     * @param blockOffset the block's offset in the file, for errors about the block
     * @param sourceOffset what byte offsets inside this page count from, for errors about its records
     */
    private Page page(int cpu, long readNanos, byte[] b, int off, int len, long blockOffset, long sourceOffset,
                      String what) {
        checkPage(cpu, len, blockOffset, what);
        Page p = new Page(len);
        System.arraycopy(b, off, p.data, 0, len);
        p.length = len;
        p.cpu = cpu;
        p.readNanos = readNanos;
        p.sourceOffset = sourceOffset;
        return p;
    }

    /** A page of {@code len} bytes for {@code cpu} fits the recording's layout and CPUs; else the block is damaged. */
    private void checkPage(int cpu, long len, long blockOffset, String what) {
        HeaderPage hp = schema.header();
        if (len < hp.dataOffset() || len > hp.pageSize()) {
            throw new DecodeException(where, blockOffset, what + " holds a page of " + len + " bytes (a page is "
                    + hp.dataOffset() + ".." + hp.pageSize() + " bytes)");
        }
        if (cpu < 0 || cpu >= cpus) {
            throw new DecodeException(where, blockOffset, what + " for cpu " + cpu + "; the recording has "
                    + cpus);
        }
    }

    /**
     * Decompresses the current PAGES_ZSTD block into {@link #chunk}, at most its declared size, and checks every
     * page entry in it before the first is handed out: a block is used whole or not at all, as a block whose CRC
     * fails is not at all.
     */
    private void openChunk() {
        long off = pendingOffset;
        if (pendingLength < RecordingFormat.CHUNK_HEADER) {
            throw new DecodeException(where, off, "PAGES_ZSTD block of " + pendingLength + " bytes");
        }
        long raw = Le.u32(pendingPayload, 0);
        long count = Le.u32(pendingPayload, 4);
        if (raw > RecordingFormat.MAX_CHUNK_RAW) {
            throw new DecodeException(where, off + RecordingFormat.BLOCK_HEADER_SIZE, "PAGES_ZSTD block claims "
                    + raw + " uncompressed bytes (limit " + RecordingFormat.MAX_CHUNK_RAW + ")");
        }
        if (count * RecordingFormat.CHUNK_ENTRY_HEADER > raw) {
            throw new DecodeException(where, off + RecordingFormat.BLOCK_HEADER_SIZE + 4, "PAGES_ZSTD block claims "
                    + count + " pages in " + raw + " bytes");
        }
        if (chunk == null || chunk.length < raw) {
            chunk = new byte[(int) Math.max(raw, RecordingFormat.CHUNK_RAW)];
        }
        int got;
        try {
            if (zstd == null) {
                zstd = ZstdCodec.decompressor();
            }
            got = zstd.decompressByteArray(chunk, 0, (int) raw, pendingPayload, RecordingFormat.CHUNK_HEADER,
                    pendingLength - RecordingFormat.CHUNK_HEADER);
        } catch (ZstdException e) {
            throw new DecodeException(where, off, "PAGES_ZSTD block does not decompress within its declared "
                    + raw + " bytes: " + e.getMessage());
        }
        if (got != raw) {
            throw new DecodeException(where, off, "PAGES_ZSTD block decompresses to " + got + " bytes, not the "
                    + raw + " it declares");
        }
        int at = 0;
        for (long e = 1; e <= count; e++) {
            String what = "PAGES_ZSTD block, page " + e + " of " + count + ",";
            if (raw - at < RecordingFormat.CHUNK_ENTRY_HEADER) {
                throw new DecodeException(where, off, what + " runs past the block's " + raw
                        + " uncompressed bytes");
            }
            long len = Le.u32(chunk, at + 4);
            int data = at + RecordingFormat.CHUNK_ENTRY_HEADER;
            if (len > raw - data) {
                throw new DecodeException(where, off, what + " claims " + len + " bytes; " + (raw - data)
                        + " are left in the block");
            }
            checkPage(Le.i32(chunk, at), len, off, what);
            at = data + (int) len;
        }
        if (at != raw) {
            throw new DecodeException(where, off, "PAGES_ZSTD block has " + (raw - at) + " bytes after its "
                    + count + " pages");
        }
        chunkOffset = off;
        chunkPos = 0;
        chunkPages = (int) count;
        chunkPagesLeft = (int) count;
    }

    /** The current PAGES_ZSTD block's next page; {@link #openChunk} checked every entry. */
    private Page chunkEntry() {
        int e = chunkPages - chunkPagesLeft;
        int cpu = Le.i32(chunk, chunkPos);
        int len = (int) Le.u32(chunk, chunkPos + 4);
        long readNanos = Le.i64(chunk, chunkPos + 8);
        int data = chunkPos + RecordingFormat.CHUNK_ENTRY_HEADER;
        // page errors count from the block: its offset + headers + the page's place in the uncompressed bytes
        long source = chunkOffset + RecordingFormat.BLOCK_HEADER_SIZE + RecordingFormat.CHUNK_HEADER + data;
        Page p = page(cpu, readNanos, chunk, data, len, chunkOffset, source,
                "PAGES_ZSTD block, page " + (e + 1) + " of " + chunkPages + ",");
        chunkPos = data + len;
        chunkPagesLeft--;
        return p;
    }

    /** The file's format version (1: one PAGE block per page; 2: PAGES_ZSTD blocks; 3: either, header under CRC). */
    public int version() {
        return version;
    }

    @Override
    public void close() {
        if (zstd != null) {
            zstd.close();
            zstd = null;
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // read-only stream
        }
    }
}
