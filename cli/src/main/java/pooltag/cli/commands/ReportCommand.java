package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.JsonOption;
import pooltag.cli.options.TagByCgroupOption;
import pooltag.cli.render.Json;
import pooltag.engine.publish.AddressPolicy;
import pooltag.engine.publish.CaptureService;
import pooltag.engine.run.RecordingReplay;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerStats;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.symbols.KernelSymbols;

/**
 * {@code pooltag report FILE [--json]}: what a recording holds, per tag and call site, and what it lost. The
 * recording is replayed into the core {@link Ledger}, the one pairing engine every door uses, so its tags are the
 * ones {@code hit}, {@code find}, {@code kd} and the web page name ({@code kmalloc-1k}, {@code alloc_pipe_info}).
 * Pools are not shown. With {@code --tag-by cgroup} the allocations are also charged to the cgroups the recording run
 * decided ({@code record --tag-by cgroup}). A call site named by its raw address prints masked unless root asks for
 * {@code --show-addresses} ({@link AddressPolicy#names}).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Summarize a recording: events by type, allocations and frees per tag and call site, "
                + "lost events and the file's health.")
public final class ReportCommand extends LedgerCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a recording made by 'pooltag record'")
    Path file;

    @Mixin
    JsonOption json;

    @Option(names = "--top", defaultValue = "25", converter = pooltag.cli.options.TopConverter.AtLeastOne.class, description = "rows per table (default ${DEFAULT-VALUE})")
    int top;

    @Mixin
    TagByCgroupOption tagBy;

    @Mixin
    AddressesOption addressOption;

    /** How tag names that are kernel addresses print; set first thing in {@link #call}. */
    private AddressPolicy addresses;

    /**
     * One tag's counters summed over pools.
     *
     * @param bytes            bytes allocated while recording, freed or not
     * @param outstandingBytes bytes still allocated at the end
     */
    record Row(String name, String module, long allocs, long frees, long outstanding, long bytes,
               long outstandingBytes) {
    }

    @Override
    public Integer call() {
        addresses = addressOption.policy(); // refused before the file is read: one line, exit 2
        PrintWriter out = spec.commandLine().getOut();
        // The same replay as hunt --from and find --from: pool kinds and cgroup decisions from the file.
        RecordingReplay.Replayed r = RecordingReplay.of(file, cap.ledgerOptions(), tagBy.on());
        Ledger ledger = r.ledger();
        RecordingReader.Replay rp = r.health();
        List<Row> tags = rows(ledger, TagKind.CACHE);
        List<Row> sites = rows(ledger, TagKind.SITE);
        List<Row> cgroups = tagBy.on() ? rows(ledger, tagBy.kind()) : null;
        if (json.on()) {
            Map<String, Object> d = document(r, rp, ledger, r.symbols(), tags, sites);
            if (cgroups != null) {
                d.put(tagBy.kind() == TagKind.CGROUP ? "cgroups" : "cgroup_pairs", json(cgroups, false));
                d.put("cgroup_decisions", r.cgroupDecisions());
            }
            CaptureOutput.printJson(out, d);
        } else {
            printText(out, r, rp, ledger, tags, sites);
            if (cgroups != null) {
                out.println();
                out.printf("cgroups of the allocating tasks, as decided while recording (%d decisions)%n",
                        r.cgroupDecisions());
                table(out, tagBy.kind() == TagKind.CGROUP ? "Cgroup" : "Tag@cgroup", cgroups);
            }
        }
        out.flush();
        return rp.complete() && rp.skippedPages() == 0 ? 0 : 1;
    }

    /** Every tag of a kind that saw an allocation, most allocations first, then by name. */
    static List<Row> rows(Ledger ledger, TagKind kind) {
        List<Row> rows = new ArrayList<>();
        for (int id = 0; id < ledger.tagCount(kind); id++) {
            long allocs = 0, frees = 0, live = 0, bytes = 0, liveBytes = 0;
            for (Pool p : Pool.values()) {
                var u = ledger.usage(kind, id, p);
                allocs += u.allocs();
                frees += u.frees();
                live += u.live();
                liveBytes += u.bytes();
                bytes += ledger.allocatedBytes(kind, id, p);
            }
            if (allocs > 0) {
                String module = kind == TagKind.SITE ? ledger.tagName(TagKind.MODULE, ledger.moduleOfSite(id)) : "";
                rows.add(new Row(ledger.tagName(kind, id), module, allocs, frees, live, bytes, liveBytes));
            }
        }
        rows.sort(Comparator.comparingLong(Row::allocs).reversed().thenComparing(Row::name));
        return rows;
    }

    private Map<String, Object> document(RecordingReplay.Replayed r, RecordingReader.Replay rp, Ledger ledger,
                                         KernelSymbols syms, List<Row> tags, List<Row> sites) {
        LedgerStats st = ledger.stats();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file.toString());
        // the recording's own words, as the text prints them: a hit tag may be a site named by its address
        Map<String, String> meta = new LinkedHashMap<>();
        r.meta().forEach((k, v) -> meta.put(k, addresses.names(v)));
        d.put("meta", meta);
        d.put("duration_seconds", durationSeconds(r, rp));
        Map<String, Long> byType = new LinkedHashMap<>();
        for (int k = 1; k < KmemDecoder.KINDS; k++) {
            byType.put(KmemDecoder.kindName(k), rp.eventsByKind()[k]);
        }
        d.put("events", byType);
        d.put("total_events", rp.totalEvents());
        Map<String, Object> loss = new LinkedHashMap<>();
        loss.put("lost_events", rp.lostTotal());
        loss.put("lost_from_kernel_stats", rp.lostFromStats());
        loss.put("lost_from_page_headers", rp.lostFromHeaders());
        loss.put("pages_flagged_lost", rp.lostFlaggedPages());
        loss.put("unpaired_frees", st.unpairedFrees());
        // The one loss schema's other two fields (as every JSON output carries them).
        loss.put("skipped_records", st.skippedRecords()); // malformed records and broken pages, as the ledger got them
        loss.put("truncated", !rp.complete());
        loss.put("double_allocs", st.doubleAllocs());
        loss.put("evicted_outstanding", st.evictedOutstanding());
        loss.put("max_outstanding", ledger.maxOutstanding());
        d.put("loss", loss);
        Map<String, Object> pairing = new LinkedHashMap<>();
        pairing.put("allocs", st.allocs());
        pairing.put("frees", st.frees());
        pairing.put("outstanding", st.outstanding());
        pairing.put("failed_allocs", st.failedAllocs());
        pairing.put("zero_size_allocs", st.zeroSizeAllocs());
        pairing.put("null_frees", st.nullFrees());
        pairing.put("stacks_attached", st.stacksAttached());
        d.put("pairing", pairing);
        // The fields every door gives a recording's health (Json.recordingHealth), then what only report says.
        ObjectNode health = Json.recordingHealth(Json.object(),
                CaptureService.RecordingHealth.of(rp), -1, rp.pages());
        health.put("other_events", rp.otherEvents());
        health.put("first_error", rp.firstError());
        health.put("symbols_loaded", syms.size());
        d.put("health", health);
        d.put("tags", json(tags, false));
        d.put("call_sites", json(sites, true));
        return d;
    }

    private List<Map<String, Object>> json(List<Row> rows, boolean withModule) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row row : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tag", addresses.names(row.name()));
            if (withModule) {
                m.put("module", row.module());
            }
            m.put("allocs", row.allocs());
            m.put("frees", row.frees());
            m.put("outstanding", row.outstanding());
            m.put("bytes", row.bytes());
            m.put("outstanding_bytes", row.outstandingBytes());
            out.add(m);
        }
        return out;
    }

    private static double durationSeconds(RecordingReplay.Replayed r, RecordingReader.Replay rp) {
        long start;
        try {
            start = Long.parseLong(r.meta().getOrDefault("start_mono_ns", "-1"));
        } catch (NumberFormatException e) {
            start = -1;
        }
        long end = rp.endNanos() > 0 ? rp.endNanos() : rp.lastPageNanos();
        return start > 0 && end > start ? (end - start) / 1e9 : 0;
    }

    private void printText(PrintWriter out, RecordingReplay.Replayed r, RecordingReader.Replay rp, Ledger ledger,
                           List<Row> tags, List<Row> sites) {
        LedgerStats st = ledger.stats();
        out.printf("recording %s: %s%s%n", file, rp.stateLine(),
                rp.cutShortReason() == null ? "" : "; read up to the last complete block");
        out.printf("kernel %s, %s cpus, started %s, duration %.3f s, %d pages, %d bytes%n",
                r.meta().getOrDefault("kernel", "?"), r.meta().getOrDefault("cpus", "?"),
                r.meta().getOrDefault("started", "?"),
                durationSeconds(r, rp), rp.pages(), rp.fileBytes());
        if (!r.meta().getOrDefault("hit", "").isEmpty()) {
            out.printf("hit tag %s (stack triggers: %s)%n", addresses.names(r.meta().get("hit")),
                    addresses.names(r.meta().get("stack_triggers")));
        }
        StringBuilder ev = new StringBuilder();
        for (int k = 1; k < KmemDecoder.KINDS; k++) {
            ev.append(' ').append(KmemDecoder.kindName(k)).append('=').append(rp.eventsByKind()[k]);
        }
        out.printf("events: %d total;%s%n", rp.totalEvents(), ev);
        out.printf("lost events: %d (kernel stats %d, page headers %d, pages flagged %d); unpaired frees %d; "
                        + "double allocations %d; evicted outstanding %d (cap %d)%n",
                rp.lostTotal(), rp.lostFromStats(), rp.lostFromHeaders(), rp.lostFlaggedPages(), st.unpairedFrees(),
                st.doubleAllocs(), st.evictedOutstanding(), ledger.maxOutstanding());
        long writtenOff = st.doubleAllocs() + st.evictedOutstanding();
        if (writtenOff > 0) {
            // PoolMon's Diff is Allocs - Frees; here a row's Diff is what is still outstanding, which is less by the
            // allocations written off: say so, or maple_node's 8803 - 225 = 458 reads as a wrong sum
            out.printf("Diff is what is still outstanding: Allocs - Frees - the %d allocations written off (their"
                    + " address allocated again before a traced free: a free the kernel does not trace, or lost;"
                    + " or evicted at the cap)%n", writtenOff);
        }
        out.printf("health: %s; skipped bytes %d, skipped pages %d, damaged blocks %d, malformed records %d, "
                        + "unknown blocks %d, out-of-order events %d, other events %d%s%n",
                rp.state(), rp.skippedBytes(), rp.skippedPages(), rp.damagedBlocks(),
                rp.malformedRecords(), rp.unknownBlocks(), rp.outOfOrder(), rp.otherEvents(),
                (rp.forcedDrains() == 0 ? "" : "; forced drains " + rp.forcedDrains()
                        + " (a CPU held back more pages than the replay bound)")
                        + (rp.firstError() == null ? "" : "; first error: " + rp.firstError())
                        + RecordingHealth.diskFull(rp));
        table(out, "Tag", tags);
        table(out, "Call site", sites);
    }

    private void table(PrintWriter out, String title, List<Row> rows) {
        out.println();
        // As wide as the longest label shown (a cgroup path runs past 40), so the numbers stay in columns.
        int w = 40;
        for (int i = 0; i < rows.size() && i < top; i++) {
            w = Math.max(w, label(rows.get(i)).length());
        }
        String head = "%-" + w + "s %10s %10s %10s %14s %14s%n";
        String line = "%-" + w + "s %10d %10d %10d %14d %14d%n";
        out.printf(head, title, "Allocs", "Frees", "Diff", "Bytes", "DiffBytes");
        int n = 0;
        for (Row row : rows) {
            if (n++ == top) {
                out.printf("... %d more%n", rows.size() - top);
                break;
            }
            out.printf(line, label(row), row.allocs(), row.frees(), row.outstanding(), row.bytes(),
                    row.outstandingBytes());
        }
    }

    /** A site with the module it lives in when that is not the kernel proper ({@code xfs_inode_alloc [xfs]}). */
    private String label(Row row) {
        String name = addresses.names(row.name());
        return row.module().isEmpty() || row.module().equals("[kernel]") || row.module().equals("[unknown]")
                ? name : name + " " + row.module();
    }
}
