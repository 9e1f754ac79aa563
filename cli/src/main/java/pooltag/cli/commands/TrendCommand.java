package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pooltag.cli.options.TopConverter;
import pooltag.core.io.OutputPaths;
import pooltag.core.analysis.SnapshotTrend;
import pooltag.core.analysis.TagTrend;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.engine.publish.AddressPolicy;
import pooltag.cli.options.AddressesOption;
import pooltag.windows.WindowsCaptures;

/**
 * {@code pooltag trend FILE...}: tags ranked by the least-squares growth of their bytes over a series of captures
 * (scheduled {@code poolmon -n} runs, repeated {@code !poolused}). The series is in embedded-time order when every
 * capture carries a time, else in the order given.
 */
@Command(name = "trend", mixinStandardHelpOptions = true,
        description = "Rank tags by growth (least-squares slope of bytes, with R²) over a series of captures.")
public final class TrendCommand extends JsonCommand implements Runnable {
    /** Lines the chart draws: more are unreadable. */
    private static final int CHART_LINES = 5;

    @Parameters(arity = "1..*", paramLabel = "FILE",
            description = "captures (!poolused or PoolMon): two or more snapshots in all (a file of several PoolMon"
                    + " screens gives one per screen)")
    List<Path> files;

    @Mixin
    AddressesOption addressOption = new AddressesOption();

    @Option(names = "--chart", paramLabel = "out.svg|out.png", description = "draw the top tags over time")
    Path chart;

    @Option(names = "--top", paramLabel = "N", defaultValue = "20", converter = TopConverter.AtLeastOne.class, description = "tags listed (default ${DEFAULT-VALUE})")
    int top;

    @Override
    public void run() {
        // First, before --chart is created: someone other than root asking is refused.
        AddressPolicy addresses = addressOption.policy();
        if (chart != null) {
            // Before any capture is read: a name that is not .svg or .png, or a file that cannot be written.
            TrendChart.isPng(chart);
            OutputPaths.refuseUnwritable("--chart", chart, OutputPaths.Existing.REPLACED);
        }
        List<UsageSnapshot> series = new ArrayList<>();
        for (Path f : files) {
            // A file of several PoolMon screens is a series by itself: each screen a snapshot, in file order. A
            // vmalloc caller named by its address (pooltag's own capture saved with --show-addresses) is masked for
            // the table, the JSON and the chart's legend alike, one hash per address over the whole series.
            for (UsageSnapshot s : WindowsCaptures.readSnapshots(f)) {
                series.add(addresses.names(s));
            }
        }
        if (series.size() < 2) {
            throw new PooltagException("trend needs two or more snapshots; " + files.get(0) + " holds one");
        }
        boolean byTime = series.stream().allMatch(s -> s.takenAtNanos() > 0);
        if (byTime) {
            series.sort(Comparator.comparingLong(UsageSnapshot::takenAtNanos));
        }
        SnapshotTrend trend = SnapshotTrend.of(series);
        List<TagTrend> shown = trend.trends().subList(0, Math.min(top, trend.trends().size()));
        PrintWriter out = spec.commandLine().getOut();
        // The chart is drawn now and written after the table is printed: a write that still fails (the disk filled,
        // the directory went away) loses the chart only, and is said last, as one line, after the whole answer.
        byte[] chartBytes = chart == null ? null : chart(trend, series, shown);
        PooltagException chartFailure = null;
        if (chartBytes != null && json.on()) {
            chartFailure = writeChart(chartBytes); // before the JSON, which says whether it was written
        }
        if (json.on()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("snapshots", series.stream().map(s -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("source", s.source());
                e.put("time", s.takenAtNanos() > 0 ? iso(s.takenAtNanos()) : null);
                return e;
            }).toList());
            m.put("order", byTime ? "time" : "given");
            m.put("ranked_by", trend.timed() ? "bytes_per_second" : "bytes_per_snapshot");
            List<Object> rows = new ArrayList<>();
            for (TagTrend t : shown) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("tag", t.tag());
                r.put("pool", t.pool().label());
                r.put("bytes_per_snapshot", t.slopePerSnapshot());
                r.put("bytes_per_second", CaptureOutput.finite(t.slopePerSecond()));
                r.put("r_squared", t.rSquared());
                r.put("bytes", t.bytes());
                r.put("description", t.description());
                rows.add(r);
            }
            m.put("tags", rows);
            m.put("chart", chart == null || chartFailure != null ? null : chart.toString());
            m.put("loss", CaptureOutput.lossJson(trend.loss()));
            CaptureOutput.printJson(out, m);
            out.flush();
            if (chartFailure != null) {
                throw chartFailure;
            }
            return;
        }
        if (byTime) {
            long spanNanos = series.get(series.size() - 1).takenAtNanos() - series.get(0).takenAtNanos();
            out.println("Trend over " + series.size() + " snapshots, ordered by embedded time: "
                    + iso(series.get(0).takenAtNanos()) + " + " + spanNanos / 1_000_000_000L + " s");
        } else {
            out.println("Trend over " + series.size() + " snapshots, in the order given (not every capture carries a time)");
        }
        out.println("Ranked by growth in bytes per " + (trend.timed() ? "second" : "snapshot")
                + "; R² is how well a straight line fits (1 steady, near 0 noise)");
        out.println();
        AlignedTable t = new AlignedTable(">#", "Tag", "Pool", ">B/snapshot", ">B/s", ">R²", ">First", ">Last",
                "Description");
        int rank = 1;
        for (TagTrend tr : shown) {
            t.row(rank++, tr.tag(), tr.pool().label(), fmt(tr.slopePerSnapshot(), "%.1f"),
                    Double.isNaN(tr.slopePerSecond()) ? "-" : fmt(tr.slopePerSecond(), "%.3f"),
                    fmt(tr.rSquared(), "%.3f"), tr.firstBytes(), tr.lastBytes(), tr.description());
        }
        t.lines().forEach(out::println);
        out.println();
        out.flush();
        if (chartBytes != null) {
            chartFailure = writeChart(chartBytes);
        }
        out.println(shown.size() + " of " + trend.trends().size() + " tags shown (--top)"
                + (chart == null || chartFailure != null ? "" : "; chart written to " + chart));
        out.println(CaptureOutput.lossLine(trend.loss()));
        out.flush();
        if (chartFailure != null) {
            throw chartFailure;
        }
    }

    /** Writes the chart; its failure, returned to be said after the answer, or null. */
    private PooltagException writeChart(byte[] bytes) {
        try {
            TrendChart.writeBytes(chart, bytes);
            return null;
        } catch (PooltagException e) {
            return e;
        }
    }

    private byte[] chart(SnapshotTrend trend, List<UsageSnapshot> series, List<TagTrend> shown) {
        int n = series.size();
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = trend.timed() ? (series.get(i).takenAtNanos() - series.get(0).takenAtNanos()) / 1e9 : i;
        }
        List<TrendChart.Series> lines = new ArrayList<>();
        for (TagTrend tr : shown.subList(0, Math.min(CHART_LINES, shown.size()))) {
            long[] b = tr.bytes();
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = b[i];
            }
            lines.add(new TrendChart.Series(tr.tag() + " (" + tr.pool().label() + ")", y));
        }
        return new TrendChart("Pool bytes of the fastest-growing tags", trend.timed() ? "seconds since the first snapshot"
                : "snapshot", x, lines).render(chart);
    }

    private static String fmt(double v, String f) {
        return String.format(Locale.ROOT, f, v);
    }

    private static String iso(long epochNanos) {
        return Instant.ofEpochSecond(0, epochNanos).toString();
    }
}
