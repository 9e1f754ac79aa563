package pooltag.linux.kmem;

/**
 * Counters of one session, taken at one moment. Every report prints all of them, zeros included.
 *
 * @param pages            pages read from the kernel
 * @param eventsByKind     events decoded per {@link KmemDecoder} kind (index = kind)
 * @param otherEvents      records of events the decoder does not know (delivered to no one)
 * @param malformedRecords records too short for their format (skipped)
 * @param skippedPages     pages whose structure was broken (skipped from the break on)
 * @param outOfOrder       events delivered after a later one (the reorder window was too short)
 * @param lostFromHeaders  events the page headers say were lost (sum of stored counts)
 * @param lostFlaggedPages pages flagged "events lost before this page" (with or without a count)
 * @param lostFromStats    per CPU, events the kernel dropped or overwrote ({@code per_cpu/cpuN/stats})
 */
public record SessionStats(long pages, long[] eventsByKind, long otherEvents, long malformedRecords,
                           long skippedPages, long outOfOrder, long lostFromHeaders, long lostFlaggedPages,
                           long[] lostFromStats) {
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

    public long lostTotal() {
        long s = lostFromHeaders;
        for (long n : lostFromStats) {
            s += n;
        }
        return s;
    }
}
