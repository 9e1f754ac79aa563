package pooltag.core.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * Per-tag change between two snapshots of any source, most growth first: bytes gained, then allocations gained,
 * then tag and pool, so equal growth always prints in the same order.
 *
 * @param deltas every (tag, pool) in either snapshot, unchanged ones included
 * @param loss   both snapshots' losses added: a diff of a truncated capture is a partial answer
 */
public record SnapshotDiff(UsageSnapshot older, UsageSnapshot newer, List<TagDelta> deltas, Loss loss) {
    public SnapshotDiff {
        deltas = List.copyOf(deltas);
    }

    /**
     * Bytes grown, most first; then objects grown, most first; then tag and pool. Written out rather than composed
     * with {@code Comparator.comparing(..).reversed().thenComparing(..)}: those made lambdas and method handles inside
     * the JDK at run time, which the AOT cache does not keep, on every start of a one-shot diff (this one
     * method reference is linked in the cache; docs/PERFORMANCE.md, start-up round 6).
     */
    public static final Comparator<TagDelta> BY_GROWTH = SnapshotDiff::byGrowth;

    private static int byGrowth(TagDelta a, TagDelta b) {
        int c = Long.compare(b.bytesChange(), a.bytesChange());
        if (c == 0) {
            c = Long.compare(b.liveChange(), a.liveChange());
        }
        if (c == 0) {
            c = a.tag().compareTo(b.tag());
        }
        return c != 0 ? c : a.pool().compareTo(b.pool());
    }

    public static SnapshotDiff between(UsageSnapshot older, UsageSnapshot newer) {
        Map<TagKey, long[]> sums = new LinkedHashMap<>();
        Map<TagKey, String> descriptions = new LinkedHashMap<>();
        add(older, 0, sums, descriptions);
        add(newer, 2, sums, descriptions);
        List<TagDelta> deltas = new ArrayList<>(sums.size());
        for (Map.Entry<TagKey, long[]> e : sums.entrySet()) {
            long[] v = e.getValue();
            deltas.add(new TagDelta(e.getKey().tag(), e.getKey().pool(), v[0], v[2], v[1], v[3],
                    descriptions.get(e.getKey())));
        }
        deltas.sort(BY_GROWTH);
        return new SnapshotDiff(older, newer, deltas, older.loss().plus(newer.loss()));
    }

    /** Rows of one (tag, pool) repeated within a snapshot add up, as PoolUsedQuery adds them. */
    private static void add(UsageSnapshot s, int at, Map<TagKey, long[]> sums, Map<TagKey, String> descriptions) {
        for (TagUsage u : s.rows()) {
            TagKey k = new TagKey(u.tag(), u.pool());
            long[] v = sums.computeIfAbsent(k, x -> new long[4]);
            v[at] += u.live();
            v[at + 1] += u.bytes();
            if (!u.description().isEmpty() || !descriptions.containsKey(k)) {
                descriptions.put(k, u.description());
            }
        }
    }

    /** The deltas that changed at all, in growth order. */
    public List<TagDelta> changed() {
        return deltas.stream().filter(d -> d.bytesChange() != 0 || d.liveChange() != 0).toList();
    }
}
