package pooltag.cli.exporter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import pooltag.engine.publish.AddressPolicy;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * Bounds cardinality: the {@code top} tags by bytes (summed over both pools) keep their own rows; every other row
 * is added into one {@code other} row per pool. So one snapshot yields at most {@code 2 * top + 2} series per
 * metric, whatever the kernel has (a busy kernel has 200+ slab caches and 100+ vmalloc callers).
 *
 * <p>Rows of the same tag and pool (a capture that repeats a tag) are added up. Allocs and frees stay
 * {@link TagUsage#UNKNOWN} in a sum when any part lacks them.
 */
final class TopTags {
    /** The tag and kind label of the row that holds everything outside the top N. */
    static final String OTHER = "other";

    /** One series: labels (already redacted) and the usage they carry. */
    record Series(String tag, String kind, Pool pool, long live, long bytes, long allocs, long frees) {
    }

    private TopTags() {
    }

    static List<Series> select(UsageSnapshot snapshot, int top) {
        // Scrub addresses first, so that two unsymbolized callers that differ only by address become one series instead of
        // two series with the same labels (which Prometheus rejects).
        Map<String, Long> bytesByTag = new HashMap<>();
        for (TagUsage u : snapshot.rows()) {
            bytesByTag.merge(AddressPolicy.scrub(u.tag()), u.bytes(), Long::sum);
        }
        List<Map.Entry<String, Long>> ranked = new ArrayList<>(bytesByTag.entrySet());
        ranked.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
        Set<String> kept = new HashSet<>();
        for (int i = 0; i < Math.min(top, ranked.size()); i++) {
            kept.add(ranked.get(i).getKey());
        }
        // Insertion order: tags in rank order, then the two other rows; keyed by tag + pool.
        Map<String, long[]> sums = new java.util.LinkedHashMap<>();
        Map<String, TagUsage> firstOf = new HashMap<>();
        EnumMap<Pool, long[]> other = new EnumMap<>(Pool.class);
        for (Pool p : Pool.values()) {
            other.put(p, new long[] {0, 0, 0, 0});
        }
        for (TagUsage u : snapshot.rows()) {
            long[] s;
            String tag = AddressPolicy.scrub(u.tag());
            if (kept.contains(tag)) {
                String key = tag + '\0' + u.pool().name();
                s = sums.get(key);
                if (s == null) {
                    s = new long[] {0, 0, 0, 0};
                    sums.put(key, s);
                    firstOf.put(key, u);
                }
            } else {
                s = other.get(u.pool());
            }
            s[0] += u.live();
            s[1] += u.bytes();
            s[2] = s[2] == TagUsage.UNKNOWN || u.allocs() == TagUsage.UNKNOWN ? TagUsage.UNKNOWN : s[2] + u.allocs();
            s[3] = s[3] == TagUsage.UNKNOWN || u.frees() == TagUsage.UNKNOWN ? TagUsage.UNKNOWN : s[3] + u.frees();
        }
        List<Series> out = new ArrayList<>(sums.size() + 2);
        for (Map.Entry<String, long[]> e : sums.entrySet()) {
            TagUsage u = firstOf.get(e.getKey());
            long[] s = e.getValue();
            out.add(new Series(AddressPolicy.scrub(u.tag()), u.kind().label(), u.pool(), s[0], s[1], s[2], s[3]));
        }
        out.sort(Comparator.comparingLong(Series::bytes).reversed().thenComparing(Series::tag).thenComparing(Series::pool));
        for (Pool p : Pool.values()) {
            long[] s = other.get(p);
            out.add(new Series(OTHER, OTHER, p, s[0], s[1], s[2], s[3]));
        }
        return out;
    }
}
