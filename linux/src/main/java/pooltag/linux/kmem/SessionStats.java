package pooltag.linux.kmem;

import java.util.Locale;

/**
 * Counters of one session, taken at one moment. Every report prints all of them, zeros included.
 *
 * @param pages            pages read from the kernel and handed to the merge
 * @param eventsByKind     events decoded per {@link KmemDecoder} kind (index = kind)
 * @param otherEvents      records of events the decoder does not know (delivered to no one)
 * @param malformedRecords records too short for their format (skipped)
 * @param skippedPages     pages whose structure was broken (skipped from the break on)
 * @param outOfOrder       events delivered after a later one (the reorder window was too short)
 * @param maxLatenessNanos how far behind the latest delivered event the worst of those was
 * @param lostFromHeaders  events the page headers say were lost (sum of stored counts)
 * @param lostFlaggedPages pages flagged "events lost before this page" (with or without a count)
 * @param lostFromStats    per CPU, events the kernel dropped or overwrote ({@code per_cpu/cpuN/stats})
 * @param backlogPages     pages pooltag read and dropped because the consumer was behind by the whole page pool
 * @param backlogEvents    records in those pages: pooltag's own loss, apart from the kernel's
 * @param unaccounted      records the kernel says it handed to pooltag's reads ({@code read events}) that pooltag
 *                         neither walked nor dropped as backlog: a loss found by reconciling at the end of the run
 * @param leftInKernel     events the kernel counted into its buffer ({@code entries} in {@code per_cpu/cpuN/stats})
 *                         that no read returned once the readers had drained it with tracing off: stranded by a
 *                         race in the kernel's reader (see {@code docs/ENGINE.md}, "Events the kernel strands"), or
 *                         left by a drain that ran out of time. Lost, counted at the end of the run
 * @param kernelRead       the kernel's {@code read events} over all CPUs at that reconciliation; -1 before the end
 * @param forcedDeliveries events delivered without waiting for a silent CPU (see {@link EventMerger#forcedDeliveries})
 * @param reads            read(2) calls that returned a page
 * @param emptyReads       reads that found the kernel buffer empty (each followed by a sleep until data)
 * @param wakeups          sleeps until data (poll(2)) the readers went into
 * @param bufferKbPerCpu   the kernel ring buffer per CPU, KiB
 * @param poolPages        pooltag's page pool, all CPUs together
 * @param pageSize         bytes per page (one kernel sub-buffer)
 * @param wakesOnData      true when the readers are non-blocking and sleep in poll(2) (JDK 22+)
 */
public record SessionStats(long pages, long[] eventsByKind, long otherEvents, long malformedRecords,
                           long skippedPages, long outOfOrder, long maxLatenessNanos, long lostFromHeaders, long lostFlaggedPages,
                           long[] lostFromStats, long backlogPages, long backlogEvents, long unaccounted,
                           long leftInKernel,
                           long kernelRead, long forcedDeliveries,
                           long reads, long emptyReads, long wakeups, int bufferKbPerCpu, int poolPages, int pageSize,
                           boolean wakesOnData) {
    public long events(int kind) {
        return eventsByKind[kind];
    }

    public long totalEvents() {
        return sum(eventsByKind);
    }

    /** Events the kernel lost: per-CPU stats plus page-header counts. */
    public long lostByKernel() {
        return lostFromHeaders + sum(lostFromStats);
    }

    /** The sum of per-kind or per-CPU counters; the one place {@link EventMerger} and the stats add them up. */
    static long sum(long[] counts) {
        long s = 0;
        for (long n : counts) {
            s += n;
        }
        return s;
    }

    /**
     * Every lost event: the kernel's, pooltag's backlog, and what the end-of-run reconciliation found missing or left
     * unread in the kernel's buffer.
     */
    public long lostTotal() {
        return lostByKernel() + backlogEvents + unaccounted + leftInKernel;
    }

    /**
     * One line for a command's summary: the buffer, what was read, the kernel's loss and pooltag's apart, and how the
     * readers waited.
     */
    public String describe() {
        return String.format(Locale.ROOT, "trace: %d events in %d pages; lost by the kernel %d, by pooltag's backlog"
                        + " %d (%d pages), unaccounted for %d, left unread in the kernel's buffer %d; skipped %d malformed records, %d broken pages;"
                        + " out of order %d (worst %.1f ms late; %d delivered without a silent CPU);"
                        + " buffer %d KiB per CPU,"
                        + " pool %d pages of %d KiB; %s",
                totalEvents(), pages, lostByKernel(), backlogEvents, backlogPages, unaccounted, leftInKernel,
                malformedRecords,
                skippedPages, outOfOrder, maxLatenessNanos / 1e6, forcedDeliveries,
                bufferKbPerCpu,
                poolPages, pageSize / 1024, wakesOnData ? "readers woke " + wakeups + " times on data" : "blocking readers");
    }
}
