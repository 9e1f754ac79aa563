package pooltag.linux.kmem;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.Le;

/**
 * Runs the merge path (page walk, merge across CPUs, decode, the consumer's pairing) over made-up kmem pages before
 * tracing starts, so the JIT compiles it before the workload's events arrive instead of while they do.
 *
 * <p><b>Why.</b> A tracing run's merge code gets hot only when events flow: measured (docs/PERFORMANCE.md, round 8),
 * a {@code hunt} over {@code fsbench 2 100000} spent 1.62 CPU s during its first workload and 1.08–1.17 s during the
 * same workload run again in the same process; the difference is the C1/C2 compilations and the interpreted and C1
 * code they replace, all of it competing with the workload for its CPUs.
 *
 * <p><b>What it runs.</b> The session's own classes with scratch state: mergers and decoders built by the factory
 * {@link TraceSession} builds its own with (a fresh {@link NameTable} each), and consumers the caller makes of the
 * same class as the live one over ledgers of their own (nothing reaches the live ledger or the session's names). The
 * pages are ring-buffer pages at the session's sub-buffer size and the kernel's field offsets
 * ({@link KmemDecoder#encode}): per CPU, allocations and frees of the four kmem kinds in about the proportions of the
 * {@code fsbench} harness, with the paths a live stream takes (listed at {@code Stream.fill}), because compiled code that never
 * saw a path traps on it and is compiled again, during the workload. Deliveries are driven as the merge thread drives
 * them ({@link EventMerger#emit(long, long[], boolean, AllocEventConsumer)} with "empty since" marks, then the tick),
 * some rounds delivering all, some half, some with a CPU that has nothing to say.
 *
 * <p><b>Bounds.</b> At most {@code events} events plus one round ({@link #PAGES_IN_FLIGHT} pages per CPU, reused),
 * then a wait for the compilers to go quiet of at most {@link #COMPILE_WAIT_MILLIS}: a warm-up saves CPU during the
 * trace, it is never needed.
 */
public final class MergeWarmUp {
    /** Events a warm-up runs when the caller does not say: above C2's thresholds for every per-event method. */
    public static final int DEFAULT_EVENTS = 200_000;
    /** Pages per CPU the warm-up keeps in flight (queued in its merger or waiting for reuse). */
    public static final int PAGES_IN_FLIGHT = 4;
    /** CPUs the made-up pages come from (at most): the merge across CPUs is what matters, not their number. */
    public static final int ACTIVE_CPUS = 4;
    /**
     * Events per scratch consumer: each gets a fresh one after this many, so the paths a consumer takes only at its
     * start (the first event, the first event of each CPU) are taken again and again, not only in the interpreter.
     */
    static final int EVENTS_PER_SCRATCH = 70_000;
    /** The longest the warm-up waits for compilations it started to finish. */
    static final int COMPILE_WAIT_MILLIS = 1_000;
    /** The JIT counts as quiet when its total compilation time did not move for this long. */
    static final int COMPILE_QUIET_MILLIS = 60;

    private static final byte[][] CACHE_NAMES = names("dentry", "inode_cache", "filp", "shmem_inode_cache",
            "lsm_file_cache", "pipe_inode_info", "maple_node", "vm_area_struct", "anon_vma_chain", "ext4_inode_cache");
    /** Frames of a made-up stack at most (a live one has 8-30). */
    private static final int STACK_FRAMES = 20;
    private static final int TYPE_PADDING = 29;
    private static final int TYPE_TIME_EXTEND = 30;
    private static final int TYPE_TIME_STAMP = 31;
    /** Payload words a record header's type_len can carry (1..28); longer records are not made here. */
    private static final int MAX_SHORT_WORDS = 28;
    /** What kmalloc(0) returns: the ledger neither pairs nor counts it as an allocation. */
    private static final long ZERO_SIZE_PTR = 16;
    /**
     * The task whose allocations a scratch ledger is told to leave out of its recent sites, as a hunt's ledger leaves
     * out its arming thread's ({@code Ledger#trackRecentSites(long, long, int)}): some made-up events are its.
     */
    public static final int TRACER_PID = 999;
    /** GFP flags of the made-up allocations: GFP_KERNEL mostly, and the accounted, reclaimable and DMA variants. */
    private static final long[] GFP = {0xcc0, 0xcc0, 0xcc0, 0xcc0, 0xcc0, 0x400cc0, 0xcd0, 0xcc1};
    private static final long[] KMALLOC_SIZES = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096};

    /** A consumer for the warm-up's events and its tick (run after every merge round, as the merge thread runs it). */
    public record Scratch(AllocEventConsumer consumer, Runnable tick) {
    }

    /**
     * What the warm-up did.
     *
     * @param events    events delivered
     * @param nanos     wall time of the event part
     * @param waitNanos wall time spent waiting for the compilers after it
     * @param forced    deliveries forced past the ordering (0: the pages were merged as the live merge merges)
     * @param malformed records the decoder refused (0 unless the encoder and the decoder disagree)
     * @param skipped   pages or page tails the cursor refused (0 unless a made-up page breaks the format)
     * @param consumers scratch consumers used
     */
    public record Result(long events, long nanos, long waitNanos, long forced, long malformed, long skipped,
                         int consumers) {
    }

    private MergeWarmUp() {
    }

    /**
     * Runs {@code events} made-up events through {@code merger} (built as the session builds its own, recycling into
     * {@code spare}) into consumers from {@code scratch}.
     *
     * @param callSites kernel addresses to use as call sites (functions of this kernel, so the consumer's symbol
     *                  lookups take the path live events take); at least one
     */
    static Result run(java.util.function.Supplier<EventMerger> mergers, java.util.Queue<Page> spare,
                      HeaderPage header, int cpus, java.util.function.Supplier<Scratch> scratch, long[] callSites,
                      int events, boolean waitForCompilers) {
        if (callSites.length == 0) {
            throw new IllegalArgumentException("no call site");
        }
        // Pages for a few CPUs only: a round's events and pages in flight do not grow with a large machine's CPU
        // count (the session's possible CPUs); the others are CPUs with nothing to say, as many are live.
        int active = Math.min(cpus, ACTIVE_CPUS);
        Stream[] streams = new Stream[active];
        for (int c = 0; c < active; c++) {
            streams[c] = new Stream(c, callSites);
        }
        long[] quiet = new long[cpus];
        long start = System.nanoTime();
        long ts = start; // event time in the trace clock's unit (ns); the pages' CPUs overlap in time, as live ones do
        long made = 0;
        long nextScratch = EVENTS_PER_SCRATCH;
        Scratch sc = scratch.get();
        EventMerger merger = mergers.get();
        KmemDecoder decoder = merger.decoder();
        long total = 0;
        long forced = 0;
        long malformed = 0;
        long skipped = 0;
        int consumers = 1;
        for (int round = 0; made < events; round++) {
            if (made >= nextScratch) {
                merger.emit(Long.MAX_VALUE, true, sc.consumer());
                total += merger.totalEvents();
                forced += merger.forcedDeliveries();
                malformed += merger.malformedRecords();
                skipped += merger.skippedPages();
                sc = scratch.get();
                merger = mergers.get();
                decoder = merger.decoder();
                consumers++;
                nextScratch += EVENTS_PER_SCRATCH;
            }
            long roundEnd = ts;
            int silent = round % 5 == 4 ? (round / 5) % active : -1; // now and then a CPU has nothing to say
            long madeBefore = made;
            for (int c = 0; c < active; c++) {
                if (c == silent) {
                    continue;
                }
                Page p = spare.poll();
                if (p == null) {
                    p = new Page(header.pageSize());
                }
                long end = streams[c].fill(p, header, decoder, ts + c * 150, round % 2 == 0);
                made += streams[c].lastCount;
                roundEnd = Math.max(roundEnd, end);
                merger.addPage(p);
            }
            if (made == madeBefore && silent < 0) {
                break; // the schema lets no record be made (no kmem kind this decoder writes): nothing to warm
            }
            // Every other round the CPUs read empty only up to the middle of it: what follows waits for the next
            // round's pages, as live events wait for a CPU that may still write.
            long mark = round % 2 == 0 ? roundEnd : ts + (roundEnd - ts) / 2;
            java.util.Arrays.fill(quiet, mark + EventMerger.IN_FLIGHT_NANOS + 1);
            merger.emit(Long.MIN_VALUE / 2, quiet, false, sc.consumer());
            if (sc.tick() != null) {
                sc.tick().run();
            }
            ts = roundEnd + 1_000;
        }
        merger.emit(Long.MAX_VALUE, true, sc.consumer());
        total += merger.totalEvents();
        forced += merger.forcedDeliveries();
        malformed += merger.malformedRecords();
        skipped += merger.skippedPages();
        long nanos = System.nanoTime() - start;
        long waited = waitForCompilers ? awaitCompilers() : 0;
        return new Result(total, nanos, waited, forced, malformed, skipped, consumers);
    }

    /** Waits until the JIT's total compilation time stays put for {@link #COMPILE_QUIET_MILLIS}; the time waited. */
    private static long awaitCompilers() {
        long t0 = System.nanoTime();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return 0;
        }
        long deadline = t0 + COMPILE_WAIT_MILLIS * 1_000_000L;
        long last = jit.getTotalCompilationTime();
        long stillSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break; // trace at once: the warm-up is not needed
            }
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                stillSince = System.nanoTime();
            } else if (System.nanoTime() - stillSince >= COMPILE_QUIET_MILLIS * 1_000_000L) {
                break;
            }
        }
        return System.nanoTime() - t0;
    }

    /**
     * One CPU's made-up kmem stream: a deterministic generator (xorshift, seeded by the CPU) of allocations and
     * frees with a bounded set of outstanding addresses, so the consumer's tables stay small.
     */
    private static final class Stream {
        /** Where the addresses of unpaired frees lie: apart from every stream's allocations. */
        private static final long UNPAIRED_BASE = 0xffff_9990_0000_0000L;
        /** Outstanding allocations a stream keeps at most; the oldest is freed first past it. */
        private static final int LIVE = 4096;
        private final int cpu;
        private final long[] callSites;
        private final long[] live = new long[LIVE];
        private final long[] frames = new long[STACK_FRAMES];
        /** Allocations kept for seconds of event time (freed when a later one takes the place). */
        private static final int LONG_LIVED = 256;
        private final long[] longLived = new long[LONG_LIVED];
        private int gaps;
        private final int[] liveKind = new int[LIVE];
        private final int[] liveName = new int[LIVE];
        private int head;
        private int fresh;
        /** Records made: the call sites drawn from widen with it, so new sites come all along, as live. */
        private int events;
        private int count;
        private long next;
        private long rnd;
        int lastCount;

        Stream(int cpu, long[] callSites) {
            this.cpu = cpu;
            this.callSites = callSites;
            this.next = 0xffff_8880_0000_0000L + ((long) cpu << 32);
            this.rnd = 0x9e37_79b9_7f4a_7c15L * (cpu + 1);
        }

        private int rand(int bound) {
            rnd ^= rnd << 13;
            rnd ^= rnd >>> 7;
            rnd ^= rnd << 17;
            return (int) ((rnd >>> 33) % bound);
        }

        /**
         * Fills {@code p} with records from {@code ts} on; returns the last record's time. Besides the kmem events the
         * page holds what live pages hold: a stack record after some allocations (a hunt's armed sites), now and then
         * a time extend (gaps of 0.2 and 3 s), an absolute time stamp, a discarded event's padding, kfree(NULL),
         * kmalloc(0), a failed allocation, a free of an address never allocated, an allocation over an outstanding
         * one, allocations kept for seconds, new caches and new call sites; a full page ends in padding as the
         * kernel pads it, the others end where the writer stopped.
         */
        long fill(Page p, HeaderPage h, KmemDecoder decoder, long ts, boolean full) {
            byte[] b = p.data;
            int pos = h.dataOffset();
            int end = h.pageSize() - 256; // room for one more record of any kind made here, and its stack
            long pageTs = ts;
            long prev = ts;
            int n = 0;
            while (pos < end) {
                int r = rand(1000);
                int kind;
                long addr;
                int name = rand(CACHE_NAMES.length);
                byte[] nameBytes = CACHE_NAMES[name];
                long size = KMALLOC_SIZES[rand(KMALLOC_SIZES.length)];
                if (r < 3) { // a free the stream never allocated: an unpaired free, as untraced allocations give
                    kind = r == 0 ? KmemDecoder.KIND_KFREE : KmemDecoder.KIND_CACHE_FREE;
                    addr = UNPAIRED_BASE + ((long) cpu << 32) + ((long) rand(1 << 20) << 6);
                } else if (r == 994) {
                    kind = KmemDecoder.KIND_CACHE_ALLOC; // a failed allocation
                    addr = 0;
                } else if (r == 995) {
                    kind = KmemDecoder.KIND_KMALLOC; // kmalloc(0)
                    addr = ZERO_SIZE_PTR;
                    size = 0;
                } else if (r == 996) {
                    kind = KmemDecoder.KIND_KFREE; // kfree(NULL)
                    addr = 0;
                } else if ((r == 997 || r == 989) && count < LIVE) {
                    // a cache never seen before: live runs meet new caches and sites all along
                    kind = KmemDecoder.KIND_CACHE_ALLOC;
                    nameBytes = ("pooltag_warm_up_" + cpu + "_" + fresh++).getBytes(StandardCharsets.US_ASCII);
                    addr = (next += 64);
                    int at = (head + count) % LIVE;
                    live[at] = addr;
                    liveKind[at] = kind;
                    liveName[at] = 0; // freed under a named cache: the ledger pairs by address
                    count++;
                } else if (r == 990 || r == 991) { // kept for seconds: freed when a later one needs the place
                    int at = rand(LONG_LIVED);
                    if (longLived[at] != 0) {
                        kind = KmemDecoder.KIND_CACHE_FREE;
                        addr = longLived[at];
                        longLived[at] = 0;
                    } else {
                        kind = KmemDecoder.KIND_CACHE_ALLOC;
                        addr = (next += 64);
                        longLived[at] = addr;
                    }
                    nameBytes = CACHE_NAMES[0];
                } else if (count > 0 && (r >= 480 || count == LIVE)) {
                    int at = (head + (r % 7 == 0 ? rand(count) : 0)) % LIVE; // mostly oldest first
                    addr = live[at];
                    kind = liveKind[at] == KmemDecoder.KIND_KMALLOC ? KmemDecoder.KIND_KFREE
                            : KmemDecoder.KIND_CACHE_FREE;
                    nameBytes = CACHE_NAMES[liveName[at]];
                    live[at] = live[head];
                    liveKind[at] = liveKind[head];
                    liveName[at] = liveName[head];
                    head = (head + 1) % LIVE;
                    count--;
                } else {
                    kind = r < 400 ? KmemDecoder.KIND_CACHE_ALLOC : KmemDecoder.KIND_KMALLOC;
                    // now and then over an address still outstanding: the free the kernel did not trace
                    addr = r == 5 && count > 0 ? live[head] : (next += 64);
                    int at = (head + count) % LIVE;
                    live[at] = addr;
                    liveKind[at] = kind;
                    liveName[at] = name;
                    count++;
                }
                // 10-40,000 ns apart, with a gap of 0.2 or 3 s in one record of a thousand (minutes of event time in
                // all: the ledger's ticks and recent-site buckets turn over as they do live); a gap needs a time extend
                long t = prev + 10 + rand(40_000) + (r == 999 ? ((gaps++ & 1) == 0 ? 200_000_000L : 3_000_000_000L) : 0);
                long delta = t - (n == 0 ? pageTs : prev);
                if (r == 992) { // an absolute time stamp, then the event at it
                    Le.putI32(b, pos, (int) ((t & ((1L << 27) - 1)) << 5 | TYPE_TIME_STAMP));
                    Le.putI32(b, pos + 4, (int) (t >>> 27));
                    pos += 8;
                    delta = 0;
                } else if (delta >= 1L << 27) {
                    Le.putI32(b, pos, (int) ((delta & ((1L << 27) - 1)) << 5 | TYPE_TIME_EXTEND));
                    Le.putI32(b, pos + 4, (int) (delta >>> 27));
                    pos += 8;
                    delta = 0;
                }
                if (r == 998) { // an event the kernel reserved and discarded: padding with a length
                    Le.putI32(b, pos, 1 << 5 | TYPE_PADDING);
                    Le.putI32(b, pos + 4, 28); // bytes after the header word, this one included
                    pos += 32;
                }
                int pid = r == 993 ? TRACER_PID : 1000 + cpu;
                int len = decoder.encode(b, pos + 4, end - pos - 4, kind, pid,
                        callSites[rand(Math.min(callSites.length, 12 + ++events / 100))] + rand(64), addr,
                        size - (size == 0 ? 0 : rand(8)), size, GFP[r % GFP.length], nameBytes);
                if (len < 0 || len / 4 > MAX_SHORT_WORDS) {
                    break; // the schema lacks the kind (an older kernel), or the record needs the long header form
                }
                Le.putI32(b, pos, (int) (delta << 5 | (len / 4)));
                pos += 4 + len;
                prev = t;
                n++;
                boolean alloc = kind == KmemDecoder.KIND_KMALLOC || kind == KmemDecoder.KIND_CACHE_ALLOC;
                // a stack after some allocations (the armed sites), now and then after a free (the nearest event of
                // its task was one) or with no event of its task just before it (delivered by the merge on its own)
                if (alloc ? r % 8 == 1 : r % 64 == 2) {
                    int stackPid = r % 128 == 9 ? pid + 1 : pid;
                    int depth = 6 + rand(STACK_FRAMES - 6);
                    for (int i = 0; i < depth; i++) {
                        frames[i] = callSites[(i + r) % callSites.length] + 16 * i;
                    }
                    // at the time of its allocation; the short header form when the payload fits type_len (up to 112
                    // bytes: 11 frames), the long form (type_len 0, then the payload's length + 4) past it, as the
                    // kernel writes them
                    int sl = decoder.encodeStack(b, pos + 4, end + 256 - pos - 8, stackPid, frames, depth);
                    if (sl > 0 && sl / 4 <= MAX_SHORT_WORDS) {
                        Le.putI32(b, pos, sl / 4);
                        pos += 4 + sl;
                        n++;
                    } else if (sl > 0) {
                        sl = decoder.encodeStack(b, pos + 8, end + 256 - pos - 8, stackPid, frames, depth);
                        Le.putI32(b, pos, 0);
                        Le.putI32(b, pos + 4, sl + 4);
                        pos += 8 + sl;
                        n++;
                    }
                }
            }
            int commit = pos - h.dataOffset();
            if (full) { // the kernel pads a sub-buffer's tail it could not fill, within the commit
                int rest = h.pageSize() - pos;
                if (rest >= 8) {
                    Le.putI32(b, pos, 1 << 5 | TYPE_PADDING);
                    Le.putI32(b, pos + 4, rest - 4);
                } else if (rest >= 4) {
                    Le.putI32(b, pos, TYPE_PADDING); // a null padding: nothing more on the page
                }
                commit = h.pageSize() - h.dataOffset();
            }
            Le.putI64(b, h.timestampOffset(), pageTs);
            if (h.commitSize() == 8) {
                Le.putI64(b, h.commitOffset(), commit);
            } else {
                Le.putI32(b, h.commitOffset(), commit);
            }
            p.length = h.pageSize();
            p.cpu = cpu;
            p.readNanos = prev;
            p.sourceOffset = -1;
            lastCount = n;
            return prev;
        }
    }

    private static byte[][] names(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }
}
