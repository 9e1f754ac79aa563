package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.CommandSpecs;
import pooltag.cli.options.AddressesOption;
import pooltag.core.analysis.SnapshotDiff;
import pooltag.core.analysis.TagDelta;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.engine.publish.AddressPolicy;
import pooltag.windows.WindowsCaptures;

/**
 * {@code pooltag diff OLD NEW}: per-tag change between two captures, most growth first. Each capture stands for its
 * last screen (a PoolMon log's latest refresh); {@code pooltag diff FILE} compares the first and last screens of a
 * file of several PoolMon screens. Its command line is built in code ({@link #commandSpec}), not from annotations
 * (start-up: docs/PERFORMANCE.md).
 */
public final class DiffCommand extends JsonCommand implements Runnable, CommandSpecs.Built {
    Path older;

    Path newer;

    boolean all;

    AddressesOption addressOption = new AddressesOption();

    /** This command's picocli model, with this object as its command: the only definition of its command line. */
    @Override
    public CommandSpec commandSpec() {
        CommandSpec s = wrap("diff");
        s.usageMessage().description("Per-tag change between two captures (!poolused or PoolMon, in any combination),"
                + " most growth first.");
        s.addPositional(CommandSpecs.positional("0", "1", Path.class, () -> older, v -> older = v, "OLD",
                "the earlier capture").build());
        s.addPositional(CommandSpecs.positional("1", "0..1", Path.class, () -> newer, v -> newer = v, "NEW",
                "the later capture; without it, OLD's first and last PoolMon screens are compared").build());
        s.addOption(CommandSpecs.flag(() -> all, v -> all = v, "<all>", "list unchanged tags too", "--all").build());
        s.addOption(addressOption.option());
        CommandSpecs.standardHelpOptions(s);
        return s;
    }

    @Override
    public void run() {
        // A capture of pooltag's own (poolused, mon --batch) saved with --show-addresses names a vmalloc caller
        // without a symbol by its address: masked here as every view masks it, one hash per address for both files.
        AddressPolicy addresses = addressOption.policy();
        UsageSnapshot a;
        UsageSnapshot b;
        if (newer == null) {
            List<UsageSnapshot> screens = WindowsCaptures.readSnapshots(older);
            if (screens.size() < 2) {
                throw new PooltagException(older + ": holds one snapshot; give NEW, or a file of several PoolMon"
                        + " screens");
            }
            a = screens.get(0);
            b = screens.get(screens.size() - 1);
        } else {
            a = WindowsCaptures.readSnapshot(older);
            b = WindowsCaptures.readSnapshot(newer);
        }
        SnapshotDiff diff = SnapshotDiff.between(addresses.names(a), addresses.names(b));
        List<TagDelta> shown = all ? diff.deltas() : diff.changed();
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("old", a.source());
            m.put("new", b.source());
            List<Object> rows = new ArrayList<>();
            for (TagDelta d : shown) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("tag", d.tag());
                r.put("pool", d.pool().label());
                r.put("old_live", d.oldLive());
                r.put("new_live", d.newLive());
                r.put("live_change", d.liveChange());
                r.put("old_bytes", d.oldBytes());
                r.put("new_bytes", d.newBytes());
                r.put("bytes_change", d.bytesChange());
                r.put("description", d.description());
                rows.add(r);
            }
            m.put("tags", rows);
            m.put("unchanged_tags", diff.deltas().size() - diff.changed().size());
            m.put("loss", CaptureOutput.lossJson(diff.loss()));
            CaptureOutput.printJson(out, m);
            return;
        }
        out.println("Diff " + a.source() + " -> " + b.source() + "   (sorted by bytes gained)");
        out.println();
        AlignedTable t = new AlignedTable("Tag", "Pool", ">Live(old)", ">Live(new)", ">Change", ">Bytes(old)",
                ">Bytes(new)", ">Change", "Description");
        for (TagDelta d : shown) {
            t.row(d.tag(), d.pool().label(), d.oldLive(), d.newLive(), signed(d.liveChange()), d.oldBytes(),
                    d.newBytes(), signed(d.bytesChange()), d.description());
        }
        t.lines().forEach(out::println);
        out.println();
        int unchanged = diff.deltas().size() - diff.changed().size();
        out.println(shown.size() + (shown.size() == 1 ? " tag shown" : " tags shown")
                + (all ? "" : ", " + unchanged + " unchanged not shown (--all)"));
        out.println(CaptureOutput.lossLine(diff.loss()));
        out.flush();
    }

    static String signed(long v) {
        return v > 0 ? "+" + v : Long.toString(v);
    }
}
