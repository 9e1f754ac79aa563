package pooltag.cli.render;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.core.rank.CollapsedStacks;
import pooltag.core.rank.HuntReport;
import pooltag.core.rank.StackSummary;
import pooltag.core.rank.Suspect;
import pooltag.core.snapshot.Loss;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.symbols.Frames;

/** A hunt's report as text, JSON and folded stacks. Every form carries the loss counters. */
public final class HuntReportView {
    private HuntReportView() {
    }

    public static void text(PrintWriter out, HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss,
                            int maxSuspects) {
        out.printf(Locale.ROOT, "Hunt over %.1f s: %d events, %d lost, %d unpaired frees, %d double allocations%n",
                r.durationS(), r.events(), r.lostEvents(), r.unpairedFrees(), r.doubleAllocs());
        out.println("Stacks armed on: " + (armedSites.isEmpty() ? "(none: no call site stood out)" : String.join(", ", armedSites)));
        for (String note : r.notes()) {
            out.println("Note: " + note);
        }
        List<Suspect> leaks = r.leaks();
        out.printf(Locale.ROOT, "%d suspect%s at or above confidence %.2f%n%n", leaks.size(), leaks.size() == 1 ? "" : "s",
                r.threshold());
        int w = 4;
        List<Suspect> shown = r.suspects().subList(0, Math.min(maxSuspects, r.suspects().size()));
        for (Suspect s : shown) {
            w = Math.max(w, s.tag().length());
        }
        out.printf(Locale.ROOT, " %-4s %-" + w + "s %-5s %-8s %-10s %11s %13s %12s%n", "Rank", "Tag", "Kind", "Pool", "Module",
                "Outstanding", "Bytes", "Growth B/s");
        int rank = 0;
        for (Suspect s : shown) {
            rank++;
            out.printf(Locale.ROOT, " %-4s %-" + w + "s %-5s %-8s %-10s %11d %13d %12.1f  conf %.2f%s%n",
                    rank, s.tag(), s.kind().label(), s.pool().label(), s.module() == null ? "-" : s.module(),
                    s.outstanding(), s.outstandingBytes(), s.growthBytesPerS(), s.confidence(),
                    s.confidence() >= r.threshold() ? "  LEAK" : "");
        }
        for (Suspect s : leaks) {
            out.println();
            out.printf(Locale.ROOT, "%s (%s, %s pool, %s): %d outstanding, %d bytes, growing %.1f allocations/s%n",
                    s.tag(), s.kind().label(), s.pool().label(), s.module() == null ? "-" : s.module(), s.outstanding(),
                    s.outstandingBytes(), s.growthPerS());
            out.println("  evidence: mature survivors per " + String.format(Locale.ROOT, "%.2f", s.evidence().bucketSeconds())
                    + " s " + s.evidence().survivors() + (s.evidence().procfsLive().isEmpty() ? ""
                    : "; /proc/slabinfo live " + s.evidence().procfsLive()));
            for (String n : s.evidence().notes()) {
                out.println("  " + n);
            }
            for (StackSummary st : s.topStacks()) {
                out.printf("  stack %s: %d outstanding, %d bytes%n", st.stackTag(), st.outstanding(), st.bytes());
                List<String> frames = Frames.symbolize(symbols, st.frames());
                for (int i = 0; i < frames.size() && i < 16; i++) {
                    out.printf("    %02x %s%n", i, frames.get(i));
                }
            }
        }
        out.println();
        out.println(LossLine.of(loss));
        out.flush();
    }

    public static ObjectNode json(HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss) {
        ObjectNode root = Json.object();
        root.put("duration_s", r.durationS());
        root.put("events", r.events());
        root.put("lost_events", r.lostEvents());
        root.put("unpaired_frees", r.unpairedFrees());
        root.put("double_allocs", r.doubleAllocs());
        root.put("threshold", r.threshold());
        ArrayNode armed = root.putArray("armed_sites");
        armedSites.forEach(armed::add);
        ArrayNode notes = root.putArray("notes");
        r.notes().forEach(notes::add);
        ArrayNode suspects = root.putArray("suspects");
        for (Suspect s : r.suspects()) {
            ObjectNode n = suspects.addObject();
            n.put("tag", s.tag());
            n.put("kind", s.kind().label());
            n.put("pool", s.pool().label());
            n.put("module", s.module() == null ? "" : s.module().replace("[", "").replace("]", ""));
            n.put("outstanding", s.outstanding());
            n.put("outstanding_bytes", s.outstandingBytes());
            n.put("growth_per_s", s.growthPerS());
            n.put("growth_bytes_per_s", s.growthBytesPerS());
            n.put("confidence", s.confidence());
            n.put("leak", s.confidence() >= r.threshold());
            ObjectNode ev = n.putObject("evidence");
            ev.put("bucket_s", s.evidence().bucketSeconds());
            ArrayNode surv = ev.putArray("survivors");
            s.evidence().survivors().forEach(surv::add);
            ArrayNode pl = ev.putArray("procfs_live");
            s.evidence().procfsLive().forEach(pl::add);
            ev.put("strength", s.evidence().strength());
            ev.put("sustained", s.evidence().sustained());
            ev.put("retention", s.evidence().retention());
            ev.put("confirmation", s.evidence().confirmation());
            ev.put("untraceable", s.evidence().untraceable());
            ev.put("pool", s.evidence().pool());
            ev.put("loss", s.evidence().loss());
            ArrayNode en = ev.putArray("notes");
            s.evidence().notes().forEach(en::add);
            ArrayNode stacks = n.putArray("stacks");
            for (StackSummary st : s.topStacks()) {
                ObjectNode sn = stacks.addObject();
                sn.put("stack_tag", st.stackTag());
                sn.put("outstanding", st.outstanding());
                sn.put("bytes", st.bytes());
                ArrayNode fr = sn.putArray("frames");
                Frames.symbolize(symbols, st.frames()).forEach(fr::add);
            }
        }
        root.set("loss", Json.loss(loss));
        return root;
    }

    /** Folded stacks of the leaks (or, when none passed the threshold, of every suspect), weighted by bytes. */
    public static List<String> collapsed(HuntReport r, KernelSymbols symbols) {
        List<StackSummary> stacks = new ArrayList<>();
        for (Suspect s : r.leaks().isEmpty() ? r.suspects() : r.leaks()) {
            for (StackSummary st : s.topStacks()) {
                if (st.frames().length > 0) {
                    long[] f = st.frames();
                    int from = Frames.firstAllocatorFrame(symbols, f.length, i -> f[i]);
                    stacks.add(new StackSummary(st.stackTag(), st.outstanding(), st.bytes(),
                            java.util.Arrays.copyOfRange(f, from, f.length)));
                }
            }
        }
        return CollapsedStacks.fold(stacks, a -> Frames.functionName(symbols, a));
    }
}
