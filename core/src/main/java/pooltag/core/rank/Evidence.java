package pooltag.core.rank;

import java.util.List;

/**
 * Why a suspect got its confidence: the growth series and each factor of the product.
 *
 * @param bucketSeconds   width of a bucket of the series
 * @param survivors       per bucket end: how many allocations made up to then are still outstanding and older than
 *                        the age threshold (a leak climbs steadily; churn stays near 0)
 * @param procfsSeconds   times of the {@code /proc/slabinfo} samples used, seconds since the window began
 * @param procfsLive      live objects of the suspect's cache in those samples (empty when none)
 * @param procfsCache     the {@code /proc/slabinfo} row the growth was checked against: the traced cache, or where
 *                        the kernel really keeps the objects (a kmem bucket such as {@code msg_msg-192} for a
 *                        {@code kmalloc-192} event); null when none matched
 * @param strength        m / (m + 10) for m mature outstanding allocations: a handful proves nothing
 * @param sustained       how steadily the series climbs: growth in most buckets, over at least the sustain time
 * @param retention       factor for turnover: 0.5 + 0.5 min(1, 10 m / allocations); a few survivors among many
 *                        allocations may just be long-lived, not leaked
 * @param confirmation    factor from procfs: 0.25 + 0.75 c where c = (procfs growth + slack) / event growth in
 *                        [0,1], both over the span from the first to the last sample, slack being the objects the
 *                        kernel's count can hide in per-CPU slabs (so c = 1 when the events' growth is within it:
 *                        the kernel cannot tell); unless the cache has traffic the tracepoints miss, the procfs
 *                        count first has the cache's frees of objects older than the trace added back (they lower it
 *                        without touching a survivor), less what may have gone to per-CPU slabs or had its
 *                        allocation missed; 0.8 when procfs has no series for the cache, when only the growth without
 *                        that cut would confirm, or when, for a kmalloc cache, the older kfrees estimated from
 *                        addresses of its alignment would explain the shortfall (kfree names no cache: inconclusive,
 *                        not a refutation)
 * @param untraceable     0.5 when the tag or its cache is listed as freed through untraced paths, or when at least
 *                        5% of its site's allocations found outstanding were found freed without a free event (a new
 *                        allocation came at their address), else 1
 * @param pool            0.5 for Paged (reclaimable: grows under file scans and is given back under pressure),
 *                        else 1; so a Paged tag alone never reaches the default threshold
 * @param loss            1 - 5 x (lost events + skipped records) / events, at least 0.25
 * @param r2              coefficient of determination of the survivor series' straight line, in [0,1] (1: a
 *                        constant rate, as a leak at a steady pace makes); 0 for a flat series
 * @param ageSeconds      age of the oldest mature survivor at the end of the window, seconds
 * @param churn           share of the tag's allocations in the window that were freed again, in [0,1]
 * @param notes           the factors that cost confidence, in words
 */
public record Evidence(double bucketSeconds, List<Long> survivors, List<Double> procfsSeconds, List<Long> procfsLive,
                       String procfsCache, double strength, double sustained, double retention, double confirmation,
                       double untraceable, double pool, double loss, double r2, double ageSeconds, double churn,
                       List<String> notes) {
}
