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
 * <p>Ordering: the event with the smallest timestamp among the CPUs' current records is delivered when every CPU
 * has a record pending, or when it is older than {@code horizon - window} (horizon: the current CLOCK_MONOTONIC
 * time for live data, the newest page read time for a recording). An event that arrives later than the window
 * allows is still delivered, and counted in {@link #outOfOrder()}. A {@code kernel_stack} record that follows an
 * event of the same pid on the same CPU is delivered right after that event, regardless of other CPUs.
 *
 * <p>Loss and damage: page headers that flag lost events become {@link AllocEventConsumer#onLoss} calls; a page
 * whose structure is broken is skipped from the broken record on, counted in {@link #skippedPages()}, and the first
 * such error is kept in {@link #firstError()}; records too short for their format are counted in
 * {@link #malformedRecords()}.
 */
public final class EventMerger {
    private final int cpus;
    private final KmemDecoder decoder;
    private final long windowNanos;
    private final Consumer<Page> recycler;
    private final EventView view = new EventView();

    private final ArrayDeque<Page>[] pending;
    private final Page[] current;
    private final PageCursor[] cursors;
    private final boolean[] hasRecord;

    private long lastTs = Long.MIN_VALUE;
    private final long[] eventsByKind = new long[KmemDecoder.KINDS];
    private long otherEvents;
    private long malformedRecords;
    private long skippedPages;
    private long skippedBytes;
    private long outOfOrder;
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
        for (int c = 0; c < cpus; c++) {
            pending[c] = new ArrayDeque<>();
            cursors[c] = new PageCursor(header, (source.isEmpty() ? "" : source + " ") + "cpu" + c + " page");
        }
    }

    /** Queues a page of {@code page.cpu}; its records are delivered by later {@link #emit} calls. */
    public void addPage(Page page) {
        if (page.cpu < 0 || page.cpu >= cpus) {
            throw new DecodeException("page", page.sourceOffset, "cpu " + page.cpu + " outside 0.." + (cpus - 1));
        }
        pending[page.cpu].addLast(page);
        pages++;
    }

    /**
     * Delivers every event that is safe to deliver at {@code horizonNanos}.
     *
     * @param flush deliver everything queued (end of stream)
     */
    public void emit(long horizonNanos, boolean flush, AllocEventConsumer consumer) {
        long limit = horizonNanos - windowNanos;
        while (true) {
            int best = -1;
            long bestTs = Long.MAX_VALUE;
            boolean all = true;
            for (int c = 0; c < cpus; c++) {
                if (!ready(c, consumer)) {
                    all = false;
                    continue;
                }
                long ts = cursors[c].timestamp();
                if (best < 0 || ts < bestTs) {
                    best = c;
                    bestTs = ts;
                }
            }
            if (best < 0 || !(flush || all || bestTs <= limit)) {
                return;
            }
            deliver(best, consumer, true);
        }
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
                    skip(p, e, p.length - (e.offset() - Math.max(0, p.sourceOffset)));
                }
                current[cpu] = null;
                recycler.accept(p);
            }
            Page next = pending[cpu].pollFirst();
            if (next == null) {
                return false;
            }
            try {
                cur.load(next.data, 0, next.length, Math.max(0, next.sourceOffset));
            } catch (DecodeException e) {
                skip(next, e, next.length);
                recycler.accept(next);
                continue;
            }
            current[cpu] = next;
            if (cur.missedEvents()) {
                lostFlaggedPages++;
                long n = cur.missedCount();
                if (n > 0) {
                    lostCounted += n;
                }
                consumer.onLoss(cpu, n);
            }
        }
    }

    private void skip(Page p, DecodeException e, long bytes) {
        skippedPages++;
        skippedBytes += Math.max(0, bytes);
        if (firstError == null) {
            firstError = e.getMessage();
        }
    }

    private void deliver(int cpu, AllocEventConsumer consumer, boolean pullStack) {
        PageCursor cur = cursors[cpu];
        hasRecord[cpu] = false;
        int r = decoder.decode(cur.buffer(), cur.payloadOffset(), cur.payloadLength(), cur.timestamp(), cpu, view);
        if (r == KmemDecoder.OTHER_EVENT) {
            otherEvents++;
            return;
        }
        if (r == KmemDecoder.MALFORMED) {
            malformedRecords++;
            return;
        }
        eventsByKind[view.kind]++;
        long ts = view.timestampNanos;
        if (view.type != AllocEvent.STACK) {
            if (ts < lastTs) {
                outOfOrder++;
            } else {
                lastTs = ts;
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
    public long events(int kind) {
        return eventsByKind[kind];
    }

    public long totalEvents() {
        long s = 0;
        for (long n : eventsByKind) {
            s += n;
        }
        return s;
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

    /** Events delivered after a later event had already been delivered (the reorder window was too short). */
    public long outOfOrder() {
        return outOfOrder;
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
