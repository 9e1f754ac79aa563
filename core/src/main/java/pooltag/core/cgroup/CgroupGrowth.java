package pooltag.core.cgroup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which cgroups' own kernel memory grew between the first and the last of a series of snapshots, and how fast:
 * {@code mon --by cgroup}'s summary and {@code poolused --by cgroup --interval}'s answer to "which pod makes the
 * kernel hold memory". Self values (see {@link CgroupUsage}), so a leak in {@code /a/b} is charged to {@code /a/b}
 * and not again to {@code /a} and {@code /}. A cgroup absent from the first snapshot counts from zero.
 */
public final class CgroupGrowth {
    /** @param bytesPerSecond over the series' own clock; 0 when it spans no time */
    public record Growth(String path, long before, long after, long bytesChange, double bytesPerSecond) {
    }

    private CgroupGrowth() {
    }

    /** Cgroups whose own kernel bytes grew, most first. */
    public static List<Growth> grown(CgroupSnapshot first, CgroupSnapshot last) {
        double seconds = (last.takenAtNanos() - first.takenAtNanos()) / 1e9;
        Map<String, Long> start = new HashMap<>();
        for (CgroupUsage u : first.rows()) {
            start.put(u.path(), u.selfTotal());
        }
        List<Growth> out = new ArrayList<>();
        for (CgroupUsage u : last.rows()) {
            long before = start.getOrDefault(u.path(), 0L);
            long d = u.selfTotal() - before;
            if (d > 0) {
                out.add(new Growth(u.path(), before, u.selfTotal(), d, seconds > 0 ? d / seconds : 0));
            }
        }
        out.sort(Comparator.comparingLong(Growth::bytesChange).reversed().thenComparing(Growth::path));
        return out;
    }
}
