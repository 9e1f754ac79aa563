package pooltag.linux.kmem;

import java.util.ArrayDeque;
import java.util.function.Consumer;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.PageCursor;

/**
 * Merges per-CPU page streams into one event stream in timestamp order and drives a consumer, on one thread.
 *
 * <p>Ordering: the event with the smallest timestamp among the CPUs' current records is delivered when every other
 * CPU either has a record pending or is known to have nothing older: its reader found the kernel buffer empty at
 * time {@code quietSince[cpu]} (CLOCK_MONOTONIC, the trace clock), so whatever that CPU writes later is stamped at
 * or after it, less {@link #IN_FLIGHT_NANOS} for events reserved before and committed after the look. A quiet CPU
 * therefore never holds back a busy one for longer than its reader takes to look again. Fallbacks: an event older
 * than {@code horizon - window} (horizon: the current CLOCK_MONOTONIC time for live data, the newest page read time
 * for a recording) is delivered whatever the other CPUs say; and when one CPU has {@code maxPendingPages} pages
 * queued while another has none (a CPU that never delivers), the merge goes on without the silent CPU and counts
 * it in {@link #forcedDeliveries()}, so the queue stays bounded. An event that arrives later than these rules
 * allowed is still delivered, and counted in {@link #outOfOrder()}. A {@code kernel_stack} record that follows an
 * event of the same pid on the same CPU is delivered right after that event, regardless of other CPUs.
 *
 * <p>Loss and damage: page headers that flag lost events become {@link AllocEventConsumer#onLoss} calls; a page
 * whose structure is broken is skipped from the broken record on, counted in {@link #skippedPages()}, and the first
 * such error is kept in {@link #firstError()}; records too short for their format are counted in
 * {@link #malformedRecords()}.
 */
public final class EventMerger {
    /**
     * Slack for events stamped before a reader saw its buffer empty but committed after: a writer interrupted between
     * reserve and commit hides its event, and every event nested in the interrupt (softirq work such as RCU callbacks
     * freeing objects can run for milliseconds), until the outermost commit. Measured lateness here: see
     * docs/PERFORMANCE.md.
     */
    public static final long IN_FLIGHT_NANOS = 20_000_000L;
    /** Default cap of queued pages per CPU before a silent CPU stops holding the merge (64 MiB of 4 KiB pages). */
    public static final int DEFAULT_MAX_PENDING_PAGES = 16384;

    private final int cpus;
    private int maxPendingPages = DEFAULT_MAX_PENDING_PAGES;
    private long forcedDeliveries;
    private final KmemDecoder decoder;
    private final long windowNanos;
    private final Consumer<Page> recycler;
    private final EventView view = new EventView();

    private final ArrayDeque<Page>[] pending;
    private final Page[] current;
    private final PageCursor[] cursors;
    private final boolean[] hasRecord;
    /** Per CPU, every record walked (decoded, unknown or malformed): to reconcile with the kernel's read count. */
    private final long[] recordsByCpu;

    private long lastTs = Long.MIN_VALUE;
    private final long[] eventsByKind = new long[KmemDecoder.KINDS];
    private long otherEvents;
    private long malformedRecords;
    private long skippedPages;
    private long skippedBytes;
    private long outOfOrder;
    private long maxLatenessNanos;
    private int lastCpu;
    private static final boolean DEBUG_ORDER = Boolean.getBoolean("pooltag.debugOrder");
    private long pages;
    private long lostFlaggedPages;
    private long lostCounted;
    private String firstError;

    public EventMerger(int cpus, HeaderPage header, KmemDecoder decoder, long windowNanos, Consumer<Page> recycler) {
        this(cpus, header, decoder, windowNanos, recycler, "");
    }

    /** @param source prefix of error messages, e.g. the recording's file name */
    @SuppressWarnings("unchecked")
    public EventMerger(int cpus, HeaderPage header, KmemDecoder decoder, long windowNanos, Consumer<Page> recycler,
                       String source) {
        this.cpus = cpus;
        this.decoder = decoder;
        this.windowNanos = windowNanos;
        this.recycler = recycler;
        this.pending = new ArrayDeque[cpus];
        this.current = new Page[cpus];
        this.cursors = new PageCursor[cpus];
        this.hasRecord = new boolean[cpus];
        this.recordsByCpu = new long[cpus];
        for (int c = 0; c < cpus; c++) {
            pending[c] = new ArrayDeque<>();
            cursors[c] = new PageCursor(header, (source.isEmpty() ? "" : source + " ") + "cpu" + c + " page");
        }
    }

    /** Queued pages per CPU beyond which a CPU with nothing queued no longer holds the merge back (at least 1). */
    public void setMaxPendingPages(int pages) {
        this.maxPendingPages = Math.max(1, pages);
    }

    /** Pages queued for {@code cpu}, not yet decoded (the current page excluded). */
    public int pendingPages(int cpu) {
        return pending[cpu].size();
    }

    /** Queues a page of {@code page.cpu}; its records are delivered by later {@link #emit} calls. */
    public void addPage(Page page) {
        checkCpu(page);
        pending[page.cpu].addLast(page);
        pages++;
    }

    /**
     * Counts a page that is kept raw instead of decoded (a recording: the file keeps pages in read order and its reader
     * merges them): walks the record headers only, counting events per kind, other events, malformed records and a
     * broken page as {@link #addPage} and {@link #emit} would, reports page-header loss to {@code consumer}, then hands
     * the page back to the recycler. Nothing is ordered or delivered, so {@link #outOfOrder()} stays 0. No allocation.
     */
    public void countPage(Page page, AllocEventConsumer consumer) {
        checkCpu(page);
        pages++;
        PageCursor cur = cursors[page.cpu];
        if (!load(page.cpu, page, consumer)) {
            return;
        }
        try {
            while (cur.next()) {
                recordsByCpu[page.cpu]++;
                int k = decoder.classify(cur.buffer(), cur.payloadOffset(), cur.payloadLength());
                if (k > 0) {
                    eventsByKind[k]++;
                } else if (k == KmemDecoder.KIND_NONE) {
                    otherEvents++;
                } else {
                    malformedRecords++;
                    consumer.onSkipped(page.cpu, 1);
                }
            }
        } catch (DecodeException e) {
            skip(page, e, page.length - (e.offset() - Math.max(0, page.sourceOffset)), consumer);
        }
        recycler.accept(page);
    }

    /**
     * Delivers every event that is safe to deliver at {@code horizonNanos}.
     *
     * @param flush deliver everything queued (end of stream)
     */
    public void emit(long horizonNanos, boolean flush, AllocEventConsumer consumer) {
        emit(horizonNanos, null, flush, consumer);
    }

    /**
     * Delivers every event that is safe to deliver at {@code horizonNanos}, given when each CPU was last seen empty.
     *
     * @param quietSince per CPU, the CLOCK_MONOTONIC time at which its reader last found the kernel buffer empty, with
     *                   every page read before that already queued here ({@link Long#MIN_VALUE}: not known); null
     *                   when nothing is known (a recording)
     * @param flush      deliver everything queued (end of stream)
     */
    public void emit(long horizonNanos, long[] quietSince, boolean flush, AllocEventConsumer consumer) {
        long limit = horizonNanos - windowNanos;
        while (true) {
            int best = -1;
            long bestTs = Long.MAX_VALUE;
            long quietBound = Long.MAX_VALUE; // the earliest time a CPU without a record may still deliver
            boolean backlog = false;
            for (int c = 0; c < cpus; c++) {
                if (!ready(c, consumer)) {
                    long q = quietSince == null ? Long.MIN_VALUE : quietSince[c];
                    quietBound = Math.min(quietBound, q == Long.MIN_VALUE ? Long.MIN_VALUE : q - IN_FLIGHT_NANOS);
                    continue;
                }
                backlog |= pending[c].size() >= maxPendingPages;
                long ts = cursors[c].timestamp();
                if (best < 0 || ts < bestTs) {
                    best = c;
                    bestTs = ts;
                }
            }
            if (best < 0) {
                return;
            }
            long allowed = flush ? Long.MAX_VALUE : Math.max(quietBound, limit);
            boolean forced = bestTs > allowed;
            if (forced) {
                if (!backlog) {
                    return;
                }
                forcedDeliveries++;
            }
            // A run: while best's next record is still the earliest and deliverable, deliver it without scanning every
            // CPU again (nothing else changes during an emit: other CPUs' current records stay, and pages arrive only
            // between emits). Ties go to the lower CPU number, as in the scan; so the order is the scan's exactly. A
            // forced delivery is one event. One call of deliver here: the compiled emit inlines it once.
            long runBound = forced ? 0 : Math.min(allowed, otherCpusBound(best));
            do {
                deliver(best, consumer, true);
            } while (!forced && ready(best, consumer) && cursors[best].timestamp() <= runBound);
        }
    }

    /**
     * The latest timestamp {@code cpu} may deliver before another CPU's current record must go first: below the
     * earliest current record of a lower-numbered CPU, at most the earliest of a higher-numbered one (the scan in
     * {@link #emit} breaks ties by CPU number). Only CPUs that have a current record count.
     */
    private long otherCpusBound(int cpu) {
        long bound = Long.MAX_VALUE;
        for (int c = 0; c < cpus; c++) {
            if (c != cpu && hasRecord[c]) {
                long ts = cursors[c].timestamp();
                bound = Math.min(bound, c < cpu && ts != Long.MIN_VALUE ? ts - 1 : ts);
            }
        }
        return bound;
    }

    /** True when {@code cpu} has a current record, loading queued pages as needed. */
    private boolean ready(int cpu, AllocEventConsumer consumer) {
        if (hasRecord[cpu]) {
            return true;
        }
        PageCursor cur = cursors[cpu];
        while (true) {
            Page p = current[cpu];
            if (p != null) {
                try {
                    if (cur.next()) {
                        hasRecord[cpu] = true;
                        return true;
                    }
                } catch (DecodeException e) {
                    skip(p, e, p.length - (e.offset() - Math.max(0, p.sourceOffset)), consumer);
                }
                current[cpu] = null;
                recycler.accept(p);
            }
            Page next = pending[cpu].pollFirst();
            if (next == null) {
                return false;
            }
            if (load(cpu, next, consumer)) {
                current[cpu] = next;
            }
        }
    }

    private void checkCpu(Page page) {
        if (page.cpu < 0 || page.cpu >= cpus) {
            throw new DecodeException("page", page.sourceOffset, "cpu " + page.cpu + " outside 0.." + (cpus - 1));
        }
    }

    /**
     * Puts {@code page} under {@code cpu}'s cursor and reports its header's loss mark; a page whose header is broken
     * is counted as skipped, handed back, and false is returned.
     */
    private boolean load(int cpu, Page page, AllocEventConsumer consumer) {
        PageCursor cur = cursors[cpu];
        try {
            cur.load(page.data, 0, page.length, Math.max(0, page.sourceOffset));
        } catch (DecodeException e) {
            skip(page, e, page.length, consumer);
            recycler.accept(page);
            return false;
        }
        if (cur.missedEvents()) {
            lostFlaggedPages++;
            long n = cur.missedCount();
            if (n > 0) {
                lostCounted += n;
            }
            consumer.onLoss(cpu, n);
        }
        return true;
    }

    /** A page (or its rest) skipped: counted here and told to the consumer, whose report carries it. */
    private void skip(Page p, DecodeException e, long bytes, AllocEventConsumer consumer) {
        consumer.onSkipped(p.cpu, -1);
        skippedPages++;
        skippedBytes += Math.max(0, bytes);
        if (firstError == null) {
            firstError = e.getMessage();
        }
    }

    private void deliver(int cpu, AllocEventConsumer consumer, boolean pullStack) {
        PageCursor cur = cursors[cpu];
        hasRecord[cpu] = false;
        recordsByCpu[cpu]++;
        int r = decoder.decode(cur.buffer(), cur.payloadOffset(), cur.payloadLength(), cur.timestamp(), cpu, view);
        if (r == KmemDecoder.OTHER_EVENT) {
            otherEvents++;
            return;
        }
        if (r == KmemDecoder.MALFORMED) {
            malformedRecords++;
            consumer.onSkipped(cpu, 1);
            return;
        }
        eventsByKind[view.kind]++;
        long ts = view.timestampNanos;
        if (view.type != AllocEvent.STACK) {
            if (ts < lastTs) {
                outOfOrder++;
                maxLatenessNanos = Math.max(maxLatenessNanos, lastTs - ts);
                if (DEBUG_ORDER && outOfOrder <= 20) {
                    System.err.printf("late: cpu%d ts=%d by %.3f ms after cpu%d; page read at %d (%.3f ms after ts)%n",
                            cpu, ts, (lastTs - ts) / 1e6, lastCpu, current[cpu] == null ? -1 : current[cpu].readNanos,
                            current[cpu] == null ? 0 : (current[cpu].readNanos - ts) / 1e6);
                }
            } else {
                lastTs = ts;
                lastCpu = cpu;
            }
        }
        int pid = view.pid;
        int type = view.type;
        consumer.onEvent(view);
        if (pullStack && type != AllocEvent.STACK && ready(cpu, consumer)
                && decoder.kindOf(cursors[cpu].eventId()) == KmemDecoder.KIND_STACK
                && pidOfCurrent(cpu) == pid) {
            deliver(cpu, consumer, false);
        }
    }

    private int pidOfCurrent(int cpu) {
        PageCursor c = cursors[cpu];
        return c.payloadLength() >= 8 ? pooltag.linux.ring.Le.i32(c.buffer(), c.payloadOffset() + 4) : -1;
    }

    /** Events delivered per {@link KmemDecoder} kind (index = kind). */
    /**
     * Records of {@code cpu} walked so far, whatever their verdict: what the kernel's {@code read events} counter of
     * that CPU should equal once every page read is merged (records after a page's break are not walked).
     */
    public long records(int cpu) {
        return recordsByCpu[cpu];
    }

    public long events(int kind) {
        return eventsByKind[kind];
    }

    public long totalEvents() {
        return SessionStats.sum(eventsByKind);
    }

    /** Records of events the decoder does not know (other tracepoints enabled in the instance). */
    public long otherEvents() {
        return otherEvents;
    }

    public long malformedRecords() {
        return malformedRecords;
    }

    public long skippedPages() {
        return skippedPages;
    }

    public long skippedBytes() {
        return skippedBytes;
    }

    /**
     * Events delivered without waiting for a CPU that had nothing queued and was not known to be empty, because
     * another CPU's queue reached {@code maxPendingPages}: the silent CPU may later deliver an earlier event
     * (then counted in {@link #outOfOrder()}).
     */
    public long forcedDeliveries() {
        return forcedDeliveries;
    }

    /** Events delivered after a later event had already been delivered (the reorder window was too short). */
    public long outOfOrder() {
        return outOfOrder;
    }

    /** How far behind the latest delivered event the worst out-of-order event was, in nanoseconds. */
    public long maxLatenessNanos() {
        return maxLatenessNanos;
    }

    public long pages() {
        return pages;
    }

    /** Pages whose header flagged lost events before them. */
    public long lostFlaggedPages() {
        return lostFlaggedPages;
    }

    /** Sum of the lost-event counts stored in page headers. */
    public long lostCounted() {
        return lostCounted;
    }

    public String firstError() {
        return firstError;
    }

    public KmemDecoder decoder() {
        return decoder;
    }
}
