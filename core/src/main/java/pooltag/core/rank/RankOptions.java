package pooltag.core.rank;

import java.util.Set;

import pooltag.core.tag.TagKind;

/**
 * Knobs of the suspect ranking, with what each one trades.
 *
 * @param ageThresholdNanos an outstanding allocation younger than this at the end of the window is churn in flight,
 *                          not evidence (default 1 s: kernel objects on a hot path live microseconds to
 *                          milliseconds; a longer threshold needs a longer hunt, since only allocations older than
 *                          it count)
 * @param bucketNanos       width of the growth-series buckets (default 0.5 s; there are at least
 *                          {@link #minBuckets} and at most 240 buckets, so long hunts get wider buckets)
 * @param minBuckets        fewest buckets a window is cut into (default 10)
 * @param sustainNanos      growth must span this long to count as sustained (default 2 s); a burst shorter
 *                          than it is discounted in proportion
 * @param threshold         confidence at or above which a suspect is reported as a leak (default 0.5)
 * @param minOutstanding    tags with fewer mature outstanding allocations are not ranked at all (default 8)
 * @param kinds             which tag kinds to rank (default cache and site; module tags aggregate too much to
 *                          name a culprit, stacks are listed under each suspect)
 * @param topStacks         stacks listed per suspect (default 5)
 */
public record RankOptions(long ageThresholdNanos, long bucketNanos, int minBuckets, long sustainNanos,
                          double threshold, int minOutstanding, Set<TagKind> kinds, int topStacks) {
    public static final double DEFAULT_THRESHOLD = 0.5;

    public RankOptions {
        kinds = Set.copyOf(kinds);
        if (ageThresholdNanos < 0 || bucketNanos <= 0 || minBuckets < 2 || sustainNanos <= 0 || minOutstanding < 1
                || topStacks < 0) {
            throw new IllegalArgumentException("bad ranking options " + this);
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0,1]: " + threshold);
        }
    }

    public static RankOptions defaults() {
        return new RankOptions(1_000_000_000L, 500_000_000L, 10, 2_000_000_000L, DEFAULT_THRESHOLD, 8,
                Set.of(TagKind.CACHE, TagKind.SITE), 5);
    }

    public RankOptions withAgeThresholdNanos(long ns) {
        return new RankOptions(ns, bucketNanos, minBuckets, sustainNanos, threshold, minOutstanding, kinds, topStacks);
    }

    public RankOptions withKinds(Set<TagKind> k) {
        return new RankOptions(ageThresholdNanos, bucketNanos, minBuckets, sustainNanos, threshold, minOutstanding, k,
                topStacks);
    }

    public RankOptions withThreshold(double t) {
        return new RankOptions(ageThresholdNanos, bucketNanos, minBuckets, sustainNanos, t, minOutstanding, kinds,
                topStacks);
    }
}
