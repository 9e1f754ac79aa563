package pooltag.cli.exporter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * The exporter's metrics, computed at scrape time: each scrape takes one fresh snapshot from {@code usage}
 * (for procfs, a read of /proc/slabinfo, /sys/kernel/slab and /proc/vmallocinfo) and, when tracing, reads the
 * ledger's latest published snapshot from {@code trace}. Scrapes are serialized, so two scrapers never read
 * procfs at once; nothing is cached between scrapes, so a value is never older than the scrape that shows it.
 *
 * <p>Series ({@code tag}, {@code kind}, {@code pool} labels; at most {@code 2*top + 2} per metric, see
 * {@link TopTags}):
 * <ul>
 *   <li>{@code pooltag_tag_live_objects}: objects (vmalloc: areas) outstanding now;</li>
 *   <li>{@code pooltag_tag_bytes}: bytes they hold;</li>
 *   <li>with a trace feed, {@code pooltag_trace_allocs_total} and {@code pooltag_trace_frees_total} per tag, and
 *       {@code pooltag_trace_lost_events_total}, {@code pooltag_trace_unpaired_frees_total},
 *       {@code pooltag_trace_skipped_records_total};</li>
 *   <li>about the exporter: {@code pooltag_snapshot_tags} (tags before the top-N cut),
 *       {@code pooltag_snapshot_read_seconds} (time to take the last snapshot).</li>
 * </ul>
 * Tag labels pass through {@link pooltag.engine.publish.AddressPolicy#scrub}: no kernel address is ever exported.
 */
final class TagCollector implements MultiCollector {
    private final Supplier<UsageSnapshot> usage;
    private final Supplier<UsageSnapshot> trace;
    private final int top;

    /**
     * @param usage a source of fresh snapshots, called once per scrape (procfs, or a test's synthetic source)
     * @param trace the ledger's published snapshots (allocs/frees known, loss cumulative), or null without --trace
     * @param top   tags kept by name, by bytes; the rest go into {@code tag="other"}; at least 1
     */
    TagCollector(Supplier<UsageSnapshot> usage, Supplier<UsageSnapshot> trace, int top) {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, was " + top);
        }
        this.usage = usage;
        this.trace = trace;
        this.top = top;
    }

    @Override
    public synchronized MetricSnapshots collect() {
        long t0 = System.nanoTime();
        UsageSnapshot snap = usage.get();
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        List<TopTags.Series> series = TopTags.select(snap, top);

        List<MetricSnapshot> out = new ArrayList<>(10);
        GaugeSnapshot.Builder live = GaugeSnapshot.builder().name("pooltag_tag_live_objects")
                .help("Allocations outstanding now per tag and pool (slab: active objects; vmalloc: areas). "
                        + "Top tags by bytes; tag=\"other\" holds the rest.");
        GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("pooltag_tag_bytes").unit(Unit.BYTES)
                .help("Bytes held by outstanding allocations per tag and pool (slab: active objects x object size). "
                        + "Top tags by bytes; tag=\"other\" holds the rest.");
        for (TopTags.Series s : series) {
            Labels l = labels(s);
            live.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(s.live()).build());
            bytes.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(s.bytes()).build());
        }
        out.add(live.build());
        out.add(bytes.build());
        out.add(GaugeSnapshot.builder().name("pooltag_snapshot_tags")
                .help("Distinct tags in the last snapshot, before the top-N cut.")
                .dataPoint(GaugeDataPointSnapshot.builder().value(distinctTags(snap)).build()).build());
        out.add(GaugeSnapshot.builder().name("pooltag_snapshot_read_seconds").unit(Unit.SECONDS)
                .help("Time taken to read the last usage snapshot (procfs) at scrape.")
                .dataPoint(GaugeDataPointSnapshot.builder().value(readSeconds).build()).build());
        if (trace != null) {
            addTrace(out, trace.get());
        }
        return new MetricSnapshots(out);
    }

    private void addTrace(List<MetricSnapshot> out, UsageSnapshot t) {
        CounterSnapshot.Builder allocs = CounterSnapshot.builder().name("pooltag_trace_allocs")
                .help("Allocations seen by the tracing ledger since it started, per tag and pool.");
        CounterSnapshot.Builder frees = CounterSnapshot.builder().name("pooltag_trace_frees")
                .help("Frees seen by the tracing ledger since it started, per tag and pool.");
        for (TopTags.Series s : TopTags.select(t, top)) {
            Labels l = labels(s);
            // A ledger always knows its counts; UNKNOWN here would mean a feed that is not a ledger: leave it out
            // rather than export a made-up zero.
            if (s.allocs() != TagUsage.UNKNOWN) {
                allocs.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(s.allocs()).build());
            }
            if (s.frees() != TagUsage.UNKNOWN) {
                frees.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(s.frees()).build());
            }
        }
        out.add(allocs.build());
        out.add(frees.build());
        Loss loss = t.loss();
        out.add(counter("pooltag_trace_lost_events", "Events the kernel dropped (ring-buffer overruns) since tracing began.",
                loss.lostEvents()));
        out.add(counter("pooltag_trace_unpaired_frees", "Frees whose allocation the ledger never saw.", loss.unpairedFrees()));
        out.add(counter("pooltag_trace_skipped_records", "Trace records not understood and skipped.", loss.skippedRecords()));
        out.add(counter("pooltag_trace_evicted_outstanding", "Outstanding allocations evicted, oldest first, to stay"
                + " under --max-outstanding.", loss.evictedOutstanding()));
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    private static Labels labels(TopTags.Series s) {
        return Labels.of("tag", s.tag(), "kind", s.kind(), "pool", s.pool().label());
    }

    private static long distinctTags(UsageSnapshot snap) {
        return snap.rows().stream().map(TagUsage::tag).distinct().count();
    }
}
