package pooltag.core.snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Which tags grew across a series of snapshots, first to last, and how fast. A tag absent from the first
 * snapshot counts from zero. Rates are bytes per second of the snapshots' own clock; 0 when the series spans no
 * time.
 */
public final class SnapshotGrowth {
    public record Growth(String tag, Pool pool, long liveChange, long bytesChange, double bytesPerSecond) {
    }

    private SnapshotGrowth() {
    }

    /** Tags whose bytes grew, fastest first. */
    public static List<Growth> grown(List<UsageSnapshot> series, Predicate<String> admit) {
        if (series.size() < 2) {
            return List.of();
        }
        UsageSnapshot first = series.get(0);
        UsageSnapshot last = series.get(series.size() - 1);
        double seconds = (last.takenAtNanos() - first.takenAtNanos()) / 1e9;
        Map<String, TagUsage> start = new HashMap<>();
        for (TagUsage u : first.rows()) {
            start.put(u.pool().ordinal() + u.tag(), u);
        }
        List<Growth> out = new ArrayList<>();
        for (TagUsage u : last.rows()) {
            if (!admit.test(u.tag())) {
                continue;
            }
            TagUsage s = start.get(u.pool().ordinal() + u.tag());
            long dLive = u.live() - (s == null ? 0 : s.live());
            long dBytes = u.bytes() - (s == null ? 0 : s.bytes());
            if (dBytes > 0) {
                out.add(new Growth(u.tag(), u.pool(), dLive, dBytes, seconds > 0 ? dBytes / seconds : 0));
            }
        }
        out.sort(Comparator.comparingLong(Growth::bytesChange).reversed().thenComparing(Growth::tag));
        return out;
    }
}
