package pooltag.cli.exporter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.core.cgroup.CgroupUsage;
import pooltag.core.cgroup.KernelMemoryKind;

/**
 * {@code pooltag_cgroup_kernel_bytes{cgroup,kind}}: the kernel memory the memory controller charges to each cgroup,
 * read from its accounting files at scrape time (no tracing, no cache; scrapes are serialized).
 *
 * <p>Values are each cgroup's <b>own</b> bytes (its hierarchical number minus its children's, see
 * {@link CgroupUsage}), so the series of one host add up to the root's total and a leak in {@code /a/b} raises one
 * series, not one per ancestor. <b>Cardinality</b>: the {@code top} cgroups by own total keep their path; every other
 * cgroup is summed into {@code cgroup="other"}; so at most {@code (top + 1) x kinds} series: kinds are 7 on cgroup v2
 * (slab_reclaimable, slab_unreclaimable, kernel_stack, pagetables, percpu, sock, vmalloc) and 2 on v1 (kmem, sock):
 * 168 or 48 series at the default top 20. Also {@code pooltag_cgroups} (cgroups read, before the cut) and
 * {@code pooltag_cgroups_unreadable} (removed during the walk: counted, never silent).
 */
final class CgroupCollector implements MultiCollector {
    static final String OTHER = "other";

    private final Supplier<CgroupSnapshot> cgroups;
    private final int top;

    CgroupCollector(Supplier<CgroupSnapshot> cgroups, int top) {
        if (top < 1) {
            throw new IllegalArgumentException("--top-cgroups must be at least 1, was " + top);
        }
        this.cgroups = cgroups;
        this.top = top;
    }

    /** One series: the cgroup label (a path, or {@code other}), the kind, own bytes. */
    record Series(String cgroup, String kind, long bytes) {
    }

    /** The top cgroups by own total, each kind of theirs, then {@code other} per kind. */
    static List<Series> select(CgroupSnapshot s, int top) {
        List<CgroupUsage> rows = new ArrayList<>(s.rows());
        rows.sort(Comparator.comparingLong(CgroupUsage::selfTotal).reversed().thenComparing(CgroupUsage::path));
        List<Series> out = new ArrayList<>();
        long[] other = new long[KernelMemoryKind.values().length];
        for (int i = 0; i < rows.size(); i++) {
            CgroupUsage u = rows.get(i);
            for (KernelMemoryKind k : s.kinds()) {
                long v = u.self(k);
                if (v == CgroupUsage.UNKNOWN) {
                    continue;
                }
                if (i < top) {
                    out.add(new Series(u.path(), k.label(), v));
                } else {
                    other[k.ordinal()] += v;
                }
            }
        }
        for (KernelMemoryKind k : s.kinds()) {
            out.add(new Series(OTHER, k.label(), other[k.ordinal()]));
        }
        return out;
    }

    @Override
    public synchronized MetricSnapshots collect() {
        CgroupSnapshot s = cgroups.get();
        GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("pooltag_cgroup_kernel_bytes").unit(Unit.BYTES)
                .help("Kernel memory the memory controller charges to the cgroup itself (its children excluded), per"
                        + " kind, read at scrape. Top cgroups by bytes; cgroup=\"other\" holds the rest.");
        for (Series x : select(s, top)) {
            bytes.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("cgroup", x.cgroup(), "kind", x.kind()))
                    .value(x.bytes()).build());
        }
        List<MetricSnapshot> out = new ArrayList<>(3);
        out.add(bytes.build());
        out.add(GaugeSnapshot.builder().name("pooltag_cgroups").help("Cgroups read at the last scrape, before the top-N cut.")
                .dataPoint(GaugeDataPointSnapshot.builder().value(s.rows().size()).build()).build());
        out.add(GaugeSnapshot.builder().name("pooltag_cgroups_unreadable")
                .help("Cgroups that vanished or could not be read during the last scrape's walk.")
                .dataPoint(GaugeDataPointSnapshot.builder().value(s.unreadable()).build()).build());
        return new MetricSnapshots(out);
    }
}
