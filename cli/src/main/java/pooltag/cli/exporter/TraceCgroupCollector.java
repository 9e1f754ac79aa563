package pooltag.cli.exporter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.function.Supplier;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import pooltag.engine.publish.AddressPolicy;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * {@code exporter --trace --tag-by cgroup}: {@code pooltag_trace_cgroup_outstanding_bytes{cgroup,tag,pool}}, the
 * bytes of allocations made since tracing began and still outstanding, per (cgroup, cache) pair, from the ledger's
 * published {@code cgroup,cache} snapshot (a flip, read at scrape). <b>Cardinality</b>: the {@code top} pairs by
 * bytes keep their labels; the rest are summed into one {@code cgroup="other",tag="other"} series per pool: at most
 * {@code top + 2} series.
 */
final class TraceCgroupCollector implements MultiCollector {
    private final Supplier<UsageSnapshot> pairs;
    private final int top;

    TraceCgroupCollector(Supplier<UsageSnapshot> pairs, int top) {
        this.pairs = pairs;
        this.top = top;
    }

    record Series(String cgroup, String tag, Pool pool, long bytes) {
    }

    static List<Series> select(UsageSnapshot s, int top) {
        List<TagUsage> rows = new ArrayList<>(s == null ? List.of() : s.rows());
        rows.sort(Comparator.comparingLong(TagUsage::bytes).reversed().thenComparing(TagUsage::tag));
        List<Series> out = new ArrayList<>();
        EnumMap<Pool, Long> other = new EnumMap<>(Pool.class);
        for (Pool p : Pool.values()) {
            other.put(p, 0L);
        }
        for (int i = 0; i < rows.size(); i++) {
            TagUsage u = rows.get(i);
            if (i < top) {
                String label = AddressPolicy.scrubPairTag(u.tag()); // the tag half: a cgroup path is no address
                int at = label.indexOf(Ledger.PAIR_SEPARATOR);
                String tag = at < 0 ? label : label.substring(0, at);
                String cgroup = at < 0 ? "" : label.substring(at + 1);
                out.add(new Series(cgroup, tag, u.pool(), u.bytes()));
            } else {
                other.merge(u.pool(), u.bytes(), Long::sum);
            }
        }
        for (Pool p : Pool.values()) {
            out.add(new Series(TopTags.OTHER, TopTags.OTHER, p, other.get(p)));
        }
        return out;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("pooltag_trace_cgroup_outstanding_bytes").unit(Unit.BYTES)
                .help("Bytes of traced allocations still outstanding per cgroup (of the allocating task) and cache,"
                        + " since tracing began. Top pairs by bytes; cgroup=\"other\" holds the rest.");
        for (Series x : select(pairs.get(), top)) {
            g.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("cgroup", x.cgroup(), "tag", x.tag(), "pool", x.pool().label()))
                    .value(x.bytes()).build());
        }
        return new MetricSnapshots(List.of(g.build()));
    }
}
