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
 * Growth of every tag over a series of snapshots (scheduled {@code poolmon -n} runs, procfs samples), ranked by the
 * slope of a least-squares line through its bytes: a leak grows steadily, so it has a large slope and an R² near 1,
 * where a tag that spikes once has a large diff but a poor fit.
 *
 * <p>When every snapshot has a time ({@link UsageSnapshot#takenAtNanos()} &gt; 0) and the times are not all equal,
 * x is seconds since the first snapshot and the ranking is by bytes per second; otherwise x is the snapshot's
 * position and the ranking is by bytes per snapshot. Ties rank by tag and pool.
 *
 * @param timed  whether slopes per second are known and rank the tags
 * @param trends every (tag, pool) seen in any snapshot, fastest growth first
 * @param loss   the series' losses added
 */
public record SnapshotTrend(int snapshots, boolean timed, List<TagTrend> trends, Loss loss) {
    public SnapshotTrend {
        trends = List.copyOf(trends);
    }

    /**
     * @param series at least two snapshots, in the order they were taken
     * @throws IllegalArgumentException with fewer than two snapshots
     */
    public static SnapshotTrend of(List<UsageSnapshot> series) {
        int n = series.size();
        if (n < 2) {
            throw new IllegalArgumentException("a trend needs at least two snapshots, got " + n);
        }
        boolean timed = series.stream().allMatch(s -> s.takenAtNanos() > 0)
                && series.stream().mapToLong(UsageSnapshot::takenAtNanos).distinct().count() > 1;
        double[] index = new double[n];
        double[] seconds = new double[n];
        long t0 = series.get(0).takenAtNanos();
        Loss loss = Loss.NONE;
        Map<TagKey, long[]> bytes = new LinkedHashMap<>();
        Map<TagKey, String> descriptions = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            UsageSnapshot s = series.get(i);
            index[i] = i;
            seconds[i] = (s.takenAtNanos() - t0) / 1e9;
            loss = loss.plus(s.loss());
            for (TagUsage u : s.rows()) {
                TagKey k = new TagKey(u.tag(), u.pool());
                bytes.computeIfAbsent(k, x -> new long[n])[i] += u.bytes();
                if (!u.description().isEmpty() || !descriptions.containsKey(k)) {
                    descriptions.put(k, u.description());
                }
            }
        }
        List<TagTrend> trends = new ArrayList<>(bytes.size());
        for (Map.Entry<TagKey, long[]> e : bytes.entrySet()) {
            long[] y = e.getValue();
            Fit perSnapshot = Fit.of(index, y);
            Fit perSecond = timed ? Fit.of(seconds, y) : null;
            trends.add(new TagTrend(e.getKey().tag(), e.getKey().pool(), descriptions.get(e.getKey()), y,
                    perSnapshot.slope, timed ? perSecond.slope : Double.NaN,
                    timed ? perSecond.rSquared : perSnapshot.rSquared));
        }
        Comparator<TagTrend> bySlope = timed ? Comparator.comparingDouble(TagTrend::slopePerSecond)
                : Comparator.comparingDouble(TagTrend::slopePerSnapshot);
        trends.sort(bySlope.reversed().thenComparing(TagTrend::tag).thenComparing(TagTrend::pool));
        return new SnapshotTrend(n, timed, trends, loss);
    }

    /** Ordinary least squares y = a + b x. */
    record Fit(double slope, double rSquared) {
        static Fit of(double[] x, long[] y) {
            int n = x.length;
            double mx = 0;
            double my = 0;
            for (int i = 0; i < n; i++) {
                mx += x[i];
                my += y[i];
            }
            mx /= n;
            my /= n;
            double sxy = 0;
            double sxx = 0;
            double syy = 0;
            for (int i = 0; i < n; i++) {
                double dx = x[i] - mx;
                double dy = y[i] - my;
                sxy += dx * dy;
                sxx += dx * dx;
                syy += dy * dy;
            }
            if (sxx == 0) {
                return new Fit(0, syy == 0 ? 1 : 0);
            }
            double slope = sxy / sxx;
            // R² = explained / total variance; a constant series (syy = 0) is fitted exactly by the flat line.
            double r2 = syy == 0 ? 1 : (sxy * sxy) / (sxx * syy);
            return new Fit(slope, r2);
        }
    }
}
