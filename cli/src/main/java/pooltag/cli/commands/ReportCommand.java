package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;


import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.options.JsonOption;
import pooltag.cli.render.Json;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.symbols.KernelSymbols;

/** {@code pooltag report FILE [--json]}: what a recording holds, per tag and call site, and what it lost. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Summarize a recording: events by type, allocations and frees per tag and call site, "
                + "lost events and the file's health.")
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "a recording made by 'pooltag record'")
    Path file;

    @Mixin
    JsonOption json;

    @Option(names = "--top", defaultValue = "25", description = "rows per table (default ${DEFAULT-VALUE})")
    int top;

    /** Allocation/free counters of one tag or call site. */
    static final class Row {
        final String name;
        long allocs, frees, bytes, freedBytes;

        Row(String name) {
            this.name = name;
        }
    }

    /** Aggregates the replayed stream; pairs frees with allocations by address to credit the allocating tag. */
    static final class Aggregator implements AllocEventConsumer {
        final KernelSymbols symbols;
        final RecordingReader reader;
        final List<Row> tags = new ArrayList<>();
        final Map<String, Integer> tagIndex = new HashMap<>();
        final int[] cacheTag = new int[4096];
        final LongIntMap kmallocTag = new LongIntMap();
        final List<Row> sites = new ArrayList<>();
        final LongIntMap siteIndexBySymbol = new LongIntMap();
        final LongIntMap live = new LongIntMap();       // address -> slot in liveTag/liveSite/liveBytes
        int[] liveTag = new int[1024], liveSite = new int[1024];
        long[] liveBytes = new long[1024];
        int liveSlots;
        final java.util.ArrayDeque<Integer> freeSlots = new java.util.ArrayDeque<>();
        long unpairedFrees, lossCalls, lostCounted, stackEvents;
        long firstTs = Long.MAX_VALUE, lastTs = Long.MIN_VALUE;
        boolean truncated;

        Aggregator(RecordingReader reader, KernelSymbols symbols) {
            this.reader = reader;
            this.symbols = symbols;
            java.util.Arrays.fill(cacheTag, -1);
        }

        private int tag(String name) {
            Integer i = tagIndex.get(name);
            if (i == null) {
                i = tags.size();
                tags.add(new Row(name));
                tagIndex.put(name, i);
            }
            return i;
        }

        private int tagOf(AllocEvent e) {
            if (e.source() == AllocEvent.SOURCE_KMEM_CACHE && e.cacheId() >= 0) {
                int id = e.cacheId();
                if (id < cacheTag.length) {
                    if (cacheTag[id] < 0) {
                        cacheTag[id] = tag(reader.names().name(id));
                    }
                    return cacheTag[id];
                }
                return tag(reader.names().name(id));
            }
            if (e.source() == AllocEvent.SOURCE_KMALLOC) {
                long g = e.gfpFlags();
                int variant = (g & 1) != 0 ? 1 : (g & (1 << 4)) != 0 ? 2 : (g & (1 << 22)) != 0 ? 3 : 0;
                long key = (e.bytesAllocated() << 2) | variant;
                int t = kmallocTag.get(key);
                if (t < 0) {
                    String n = switch (variant) {
                        case 1 -> "dma-kmalloc-";
                        case 2 -> "kmalloc-rcl-";
                        case 3 -> "kmalloc-cg-";
                        default -> "kmalloc-";
                    } + e.bytesAllocated();
                    t = tag(n);
                    kmallocTag.put(key, t);
                }
                return t;
            }
            if (e.source() == AllocEvent.SOURCE_PAGE) {
                return tag("pages-" + e.bytesAllocated());
            }
            return tag("percpu");
        }

        private int siteOf(long callSite) {
            int sym = callSite == 0 ? -1 : symbols.indexOf(callSite);
            long key = callSite == 0 ? -2 : sym < 0 ? -1 : sym;
            int s = siteIndexBySymbol.get(key + 1);
            if (s < 0) {
                // page events carry no call site (0); an address outside every symbol prints as "?"
                String n = callSite == 0 ? "(no call site)" : sym < 0 ? "?" : symbols.name(sym) + (symbols.module(sym) == null ? ""
                        : " [" + symbols.module(sym) + "]");
                s = sites.size();
                sites.add(new Row(n));
                siteIndexBySymbol.put(key + 1, s);
            }
            return s;
        }

        @Override
        public void onEvent(AllocEvent e) {
            long ts = e.timestampNanos();
            firstTs = Math.min(firstTs, ts);
            lastTs = Math.max(lastTs, ts);
            if (e.type() == AllocEvent.STACK) {
                stackEvents++;
                return;
            }
            long key = e.address() ^ ((long) e.source() << 60); // kmalloc and page addresses never collide
            if (e.type() == AllocEvent.ALLOC) {
                int t = tagOf(e);
                int s = siteOf(e.callSite());
                tags.get(t).allocs++;
                tags.get(t).bytes += e.bytesAllocated();
                sites.get(s).allocs++;
                sites.get(s).bytes += e.bytesAllocated();
                if (e.address() != 0) {
                    int slot = live.get(key);
                    if (slot < 0) {
                        slot = freeSlots.isEmpty() ? liveSlots++ : freeSlots.pop();
                        if (slot >= liveTag.length) {
                            liveTag = java.util.Arrays.copyOf(liveTag, slot * 2);
                            liveSite = java.util.Arrays.copyOf(liveSite, slot * 2);
                            liveBytes = java.util.Arrays.copyOf(liveBytes, slot * 2);
                        }
                        live.put(key, slot);
                    }
                    liveTag[slot] = t;
                    liveSite[slot] = s;
                    liveBytes[slot] = e.bytesAllocated();
                }
            } else if (e.type() == AllocEvent.FREE) {
                if (e.address() == 0 || e.address() == 0x10) {
                    return; // kfree(NULL) / ZERO_SIZE_PTR: nothing was freed
                }
                int slot = live.remove(key);
                if (slot < 0) {
                    unpairedFrees++;
                    return;
                }
                freeSlots.push(slot);
                Row t = tags.get(liveTag[slot]);
                Row s = sites.get(liveSite[slot]);
                t.frees++;
                t.freedBytes += liveBytes[slot];
                s.frees++;
                s.freedBytes += liveBytes[slot];
            }
        }

        @Override
        public void onLoss(int cpu, long count) {
            lossCalls++;
            if (count > 0) {
                lostCounted += count;
            }
        }

        @Override
        public void onEnd(boolean truncated) {
            this.truncated = truncated;
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (RecordingReader r = RecordingReader.open(file)) {
            KernelSymbols syms = r.symbols();
            Aggregator agg = new Aggregator(r, syms);
            RecordingReader.Replay rp = r.replay(agg, 1_000_000_000L);
            Map<String, Object> doc = document(r, rp, agg, syms);
            if (json.on()) {
                Json.print(out, doc);
            } else {
                printText(out, r, rp, agg);
            }
            out.flush();
            return rp.complete() && rp.skippedPages() == 0 ? 0 : 1;
        }
    }

    private Map<String, Object> document(RecordingReader r, RecordingReader.Replay rp, Aggregator agg,
                                         KernelSymbols syms) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file.toString());
        d.put("meta", r.meta());
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
        loss.put("unpaired_frees", agg.unpairedFrees);
        // The one loss schema's other two fields (as every JSON output carries them).
        loss.put("skipped_records", rp.malformedRecords());
        loss.put("truncated", !rp.complete());
        d.put("loss", loss);
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("complete", rp.complete());
        health.put("cut_short", rp.cutShortReason());
        health.put("file_bytes", rp.fileBytes());
        health.put("skipped_bytes", rp.skippedBytes());
        health.put("unknown_blocks", rp.unknownBlocks());
        health.put("pages", rp.pages());
        health.put("skipped_pages", rp.skippedPages());
        health.put("malformed_records", rp.malformedRecords());
        health.put("other_events", rp.otherEvents());
        health.put("out_of_order_events", rp.outOfOrder());
        health.put("first_error", rp.firstError());
        health.put("symbols_loaded", syms.size());
        d.put("health", health);
        d.put("tags", rows(agg.tags));
        d.put("call_sites", rows(agg.sites));
        return d;
    }

    private List<Map<String, Object>> rows(List<Row> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row row : sorted(rows)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tag", row.name);
            m.put("allocs", row.allocs);
            m.put("frees", row.frees);
            m.put("outstanding", row.allocs - row.frees);
            m.put("bytes", row.bytes);
            m.put("outstanding_bytes", row.bytes - row.freedBytes);
            out.add(m);
        }
        return out;
    }

    private static List<Row> sorted(List<Row> rows) {
        List<Row> s = new ArrayList<>(rows);
        s.sort(Comparator.comparingLong((Row x) -> x.allocs).reversed().thenComparing(x -> x.name));
        return s;
    }

    private static double durationSeconds(RecordingReader r, RecordingReader.Replay rp) {
        long start;
        try {
            start = Long.parseLong(r.meta().getOrDefault("start_mono_ns", "-1"));
        } catch (NumberFormatException e) {
            start = -1;
        }
        long end = rp.endNanos() > 0 ? rp.endNanos() : rp.lastPageNanos();
        return start > 0 && end > start ? (end - start) / 1e9 : 0;
    }

    private void printText(PrintWriter out, RecordingReader r, RecordingReader.Replay rp, Aggregator agg) {
        out.printf("recording %s: %s%n", file, rp.complete() ? "complete"
                : "CUT SHORT (" + rp.cutShortReason() + "); read up to the last complete block");
        out.printf("kernel %s, %d cpus, started %s, duration %.3f s, %d pages, %d bytes%n",
                r.meta().getOrDefault("kernel", "?"), r.cpus(), r.meta().getOrDefault("started", "?"),
                durationSeconds(r, rp), rp.pages(), rp.fileBytes());
        if (!r.meta().getOrDefault("hit", "").isEmpty()) {
            out.printf("hit tag %s (stack triggers: %s)%n", r.meta().get("hit"), r.meta().get("stack_triggers"));
        }
        StringBuilder ev = new StringBuilder();
        for (int k = 1; k < KmemDecoder.KINDS; k++) {
            ev.append(' ').append(KmemDecoder.kindName(k)).append('=').append(rp.eventsByKind()[k]);
        }
        out.printf("events: %d total;%s%n", rp.totalEvents(), ev);
        out.printf("lost events: %d (kernel stats %d, page headers %d, pages flagged %d); unpaired frees %d%n",
                rp.lostTotal(), rp.lostFromStats(), rp.lostFromHeaders(), rp.lostFlaggedPages(), agg.unpairedFrees);
        out.printf("health: %s; skipped bytes %d, skipped pages %d, malformed records %d, unknown blocks %d, "
                        + "out-of-order events %d, other events %d%s%n",
                rp.complete() ? "complete" : "cut short", rp.skippedBytes(), rp.skippedPages(),
                rp.malformedRecords(), rp.unknownBlocks(), rp.outOfOrder(), rp.otherEvents(),
                rp.firstError() == null ? "" : "; first error: " + rp.firstError());
        table(out, "Tag", agg.tags);
        table(out, "Call site", agg.sites);
    }

    private void table(PrintWriter out, String title, List<Row> rows) {
        out.println();
        out.printf("%-40s %10s %10s %10s %14s %14s%n", title, "Allocs", "Frees", "Diff", "Bytes", "DiffBytes");
        int n = 0;
        for (Row row : sorted(rows)) {
            if (n++ == top) {
                out.printf("... %d more%n", rows.size() - top);
                break;
            }
            out.printf("%-40s %10d %10d %10d %14d %14d%n", row.name, row.allocs, row.frees, row.allocs - row.frees,
                    row.bytes, row.bytes - row.freedBytes);
        }
    }
}
