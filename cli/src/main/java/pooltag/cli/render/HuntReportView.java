package pooltag.cli.render;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.core.rank.CollapsedStacks;
import pooltag.core.rank.Evidence;
import pooltag.core.rank.CgroupShares;
import pooltag.core.rank.Finding;
import pooltag.core.rank.HuntReport;
import pooltag.core.rank.StackSummary;
import pooltag.core.rank.Suspect;
import pooltag.core.snapshot.Loss;
import pooltag.engine.publish.AddressPolicy;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.symbols.Frames;

/**
 * A hunt's report as text, JSON and folded stacks. Every form carries the loss counters. Every string that names a
 * tag (suspects, members, causes, armed sites, notes, verdicts, why lines) goes through {@link AddressPolicy#names}:
 * a call site the symbols could not name is tagged by its kernel address. The overloads without a policy mask.
 */
public final class HuntReportView {
    private HuntReportView() {
    }

    /** The flat per-tag table ({@code --by tag}): every cache and site tag on its own row. */
    public static void text(PrintWriter out, HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss,
                            int maxSuspects) {
        text(out, r, symbols, armedSites, loss, maxSuspects, null, AddressPolicy.masked());
    }

    /**
     * @param cgroups per suspect (in {@code r.suspects()} order), the cgroups holding its outstanding bytes; null or
     *                empty lists when the hunt did not tag by cgroup
     */
    public static void text(PrintWriter out, HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss,
                            int maxSuspects, List<List<CgroupShares.Share>> cgroups) {
        text(out, r, symbols, armedSites, loss, maxSuspects, cgroups, AddressPolicy.masked());
    }

    /** As above, tag names printed as {@code addresses} says. */
    public static void text(PrintWriter out, HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss,
                            int maxSuspects, List<List<CgroupShares.Share>> cgroups, AddressPolicy addresses) {
        out.printf(Locale.ROOT, "Hunt over %.1f s: %d events, %d lost, %d unpaired frees, %d double allocations%n",
                r.durationS(), r.events(), r.lostEvents(), r.unpairedFrees(), r.doubleAllocs());
        out.println("Stacks armed on: " + (armedSites.isEmpty() ? "(none: no call site stood out)"
                : addresses.names(String.join(", ", armedSites))));
        for (String note : r.notes()) {
            out.println("Note: " + addresses.names(note));
        }
        List<Suspect> leaks = r.leaks();
        out.printf(Locale.ROOT, "%d suspect%s at or above confidence %.2f%n%n", leaks.size(), leaks.size() == 1 ? "" : "s",
                r.threshold());
        int w = 4;
        List<Suspect> shown = r.suspects().subList(0, Math.min(maxSuspects, r.suspects().size()));
        for (Suspect s : shown) {
            w = Math.max(w, addresses.names(s.tag()).length());
        }
        out.printf(Locale.ROOT, " %-4s %-" + w + "s %-5s %-8s %-10s %11s %13s %12s%n", "Rank", "Tag", "Kind", "Pool", "Module",
                "Outstanding", "Bytes", "Growth B/s");
        int rank = 0;
        for (Suspect s : shown) {
            rank++;
            out.printf(Locale.ROOT, " %-4s %-" + w + "s %-5s %-8s %-10s %11d %13d %12.1f  conf %.2f%s%n",
                    rank, addresses.names(s.tag()), s.kind().label(), s.pool().label(), s.module() == null ? "-" : s.module(),
                    s.outstanding(), s.outstandingBytes(), s.growthBytesPerS(), s.confidence(),
                    s.confidence() >= r.threshold() ? "  LEAK" : "");
        }
        Map<Suspect, Integer> suspectIndex = indexOf(r.suspects());
        for (Suspect s : leaks) {
            out.println();
            out.printf(Locale.ROOT, "%s (%s, %s pool, %s): %d outstanding, %d bytes, growing %.1f allocations/s%n",
                    addresses.names(s.tag()), s.kind().label(), s.pool().label(),
                    s.module() == null ? "-" : s.module(), s.outstanding(),
                    s.outstandingBytes(), s.growthPerS());
            out.println("  evidence: mature survivors per " + String.format(Locale.ROOT, "%.2f", s.evidence().bucketSeconds())
                    + " s " + s.evidence().survivors() + (s.evidence().procfsLive().isEmpty() ? ""
                    : "; /proc/slabinfo live " + s.evidence().procfsLive()));
            for (String n : s.evidence().notes()) {
                out.println("  " + addresses.names(n));
            }
            if (s.kind() != pooltag.core.tag.TagKind.CGROUP) { // a cgroup row holds its bytes itself: nothing to add
                heldBy(out, nth(cgroups, suspectIndex.getOrDefault(s, -1)));
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

    /**
     * The report by finding (the default): one row per cause, most confident first; under each leak its members by
     * cache and site (cause, companions, consequences "grows with X"), why its confidence is what it is, and its
     * stacks. Says "No leak found" plainly when no finding reaches the threshold.
     */
    public static void findings(PrintWriter out, HuntReport r, KernelSymbols symbols, List<String> armedSites,
                                List<String> stackNotes, Loss loss, int maxFindings) {
        findings(out, r, symbols, armedSites, stackNotes, loss, maxFindings, null, AddressPolicy.masked());
    }

    /**
     * @param cgroups per finding (in {@code r.findings()} order), the cgroups holding its members' outstanding bytes;
     *                null or empty lists when the hunt did not tag by cgroup
     */
    public static void findings(PrintWriter out, HuntReport r, KernelSymbols symbols, List<String> armedSites,
                                List<String> stackNotes, Loss loss, int maxFindings, List<List<CgroupShares.Share>> cgroups,
                                AddressPolicy addresses) {
        out.printf(Locale.ROOT, "Hunt over %.1f s: %d events, %d lost, %d unpaired frees, %d double allocations%n",
                r.durationS(), r.events(), r.lostEvents(), r.unpairedFrees(), r.doubleAllocs());
        out.println("Stacks armed on: " + (armedSites.isEmpty() ? "(none: no call site led)"
                : addresses.names(String.join(", ", armedSites))));
        for (String note : r.notes()) {
            out.println("Note: " + addresses.names(note));
        }
        List<Finding> leaks = r.leakFindings();
        out.println(addresses.names(r.verdict()));
        out.println();
        List<Finding> shown = r.findings().subList(0, Math.min(maxFindings, r.findings().size()));
        int w = 5, wc = 5;
        for (Finding f : shown) {
            w = Math.max(w, addresses.names(f.causeTag()).length());
            wc = Math.max(wc, addresses.names(f.cause()).length());
        }
        out.printf(Locale.ROOT, " %-4s %-" + wc + "s %-" + w + "s %5s %11s %13s %9s %s%n", "Rank", "Cause", "Tag", "Conf",
                "Outstanding", "Bytes", "Growth/s", "Kinds");
        int rank = 0;
        for (Finding f : shown) {
            rank++;
            long n = f.members().stream().mapToLong(Finding.Member::outstanding).sum();
            long b = f.members().stream().mapToLong(Finding.Member::bytes).sum();
            out.printf(Locale.ROOT, " %-4d %-" + wc + "s %-" + w + "s %5.2f %11d %13d %9.1f %d%s%n", rank,
                    addresses.names(f.cause()), addresses.names(f.causeTag()), f.confidence(), n, b, f.members().get(0).ratePerS(), f.members().size(),
                    f.confidence() >= r.threshold() ? "  LEAK" : "");
        }
        List<Finding> detailed = leaks.isEmpty() ? shown.subList(0, Math.min(1, shown.size())) : leaks;
        Map<Finding, Integer> findingIndex = indexOf(r.findings());
        rank = 0;
        for (Finding f : detailed) {
            rank++;
            out.println();
            out.printf(Locale.ROOT, "Finding %d: %s, cause tag %s%s, confidence %.2f%s%n", findingIndex.get(f) + 1,
                    addresses.names(f.cause()), addresses.names(f.causeTag()), f.pid() >= 0 ? " (pid " + f.pid() + ")" : "", f.confidence(),
                    f.confidence() >= r.threshold() ? " LEAK" : " (below the threshold)");
            int wm = 5;
            for (Finding.Member m : f.members()) {
                wm = Math.max(wm, m.cache().length());
            }
            out.printf(Locale.ROOT, "  %-" + wm + "s %-28s %-8s %-11s %11s %11s %8s %5s%n", "Cache", "Site", "Pool",
                    "Role", "Outstanding", "Bytes", "Rate/s", "Conf");
            for (Finding.Member m : f.members()) {
                out.printf(Locale.ROOT, "  %-" + wm + "s %-28s %-8s %-11s %11d %11d %8.1f %5.2f%s%n", m.cache(),
                        addresses.names(m.site()),
                        m.pool().label(), m.role().label(), m.outstanding(), m.bytes(), m.ratePerS(), m.confidence(),
                        m.growsWith() == null ? ""
                                : addresses.names("  grows with " + m.growsWith() + ": " + m.reason()));
            }
            out.println("  why:");
            for (String line : f.why()) {
                out.println("    " + addresses.names(line));
            }
            heldBy(out, nth(cgroups, findingIndex.get(f)));
            for (StackSummary st : f.stacks()) {
                out.printf("  stack %s: %d outstanding, %d bytes%n", st.stackTag(), st.outstanding(), st.bytes());
                List<String> frames = Frames.symbolize(symbols, st.frames());
                for (int i = 0; i < frames.size() && i < 16; i++) {
                    out.printf("    %02x %s%n", i, frames.get(i));
                }
            }
        }
        if (!stackNotes.isEmpty()) {
            out.println();
            stackNotes.forEach(n -> out.println("Stacks: " + addresses.names(n)));
        }
        out.println();
        out.println(LossLine.of(loss));
        out.flush();
    }

    /** "held by cgroups: A 80% (n bytes) ..." under a suspect or finding; nothing when there are none. */
    private static void heldBy(PrintWriter out, List<CgroupShares.Share> held) {
        if (held.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder("  held by cgroups:");
        for (CgroupShares.Share c : held) {
            b.append(String.format(Locale.ROOT, " %s %.0f%% (%d bytes)", c.cgroup(), 100 * c.share(), c.bytes()));
        }
        out.println(b);
    }

    /** Each element's position, by identity: one pass, not an indexOf per row. */
    private static <T> Map<T, Integer> indexOf(List<T> list) {
        Map<T, Integer> m = new java.util.IdentityHashMap<>(list.size() * 2);
        for (int i = 0; i < list.size(); i++) {
            m.put(list.get(i), i);
        }
        return m;
    }

    private static List<CgroupShares.Share> nth(List<List<CgroupShares.Share>> cgroups, int i) {
        return cgroups == null || i < 0 || i >= cgroups.size() ? List.of() : cgroups.get(i);
    }

    private static void sharesJson(ArrayNode cg, List<CgroupShares.Share> shares) {
        for (CgroupShares.Share c : shares) {
            ObjectNode cn = cg.addObject();
            cn.put("cgroup", c.cgroup());
            cn.put("outstanding", c.outstanding());
            cn.put("bytes", c.bytes());
            cn.put("share", c.share());
        }
    }

    public static ObjectNode json(HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss) {
        return json(r, symbols, armedSites, loss, null, null, AddressPolicy.masked());
    }

    /**
     * @param cgroups        per suspect, its top cgroups (a "cgroups" array on each suspect); null when not tagged
     * @param findingCgroups per finding, likewise
     */
    public static ObjectNode json(HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss,
                                  List<List<CgroupShares.Share>> cgroups, List<List<CgroupShares.Share>> findingCgroups) {
        return json(r, symbols, armedSites, loss, cgroups, findingCgroups, AddressPolicy.masked());
    }

    /** As above, tag names written as {@code addresses} says. */
    public static ObjectNode json(HuntReport r, KernelSymbols symbols, List<String> armedSites, Loss loss,
                                  List<List<CgroupShares.Share>> cgroups, List<List<CgroupShares.Share>> findingCgroups,
                                  AddressPolicy addresses) {
        ObjectNode root = Json.object();
        root.put("duration_s", r.durationS());
        root.put("events", r.events());
        root.put("lost_events", r.lostEvents());
        root.put("unpaired_frees", r.unpairedFrees());
        root.put("double_allocs", r.doubleAllocs());
        root.put("threshold", r.threshold());
        ArrayNode armed = root.putArray("armed_sites");
        armedSites.forEach(a -> armed.add(addresses.names(a)));
        ArrayNode notes = root.putArray("notes");
        r.notes().forEach(n -> notes.add(addresses.names(n)));
        ArrayNode suspects = root.putArray("suspects");
        for (int si = 0; si < r.suspects().size(); si++) {
            Suspect s = r.suspects().get(si);
            ObjectNode n = suspects.addObject();
            n.put("tag", addresses.names(s.tag()));
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
            s.evidence().notes().forEach(x -> en.add(addresses.names(x)));
            if (cgroups != null) {
                sharesJson(n.putArray("cgroups"), nth(cgroups, si));
            }
            stacksJson(n.putArray("stacks"), s.topStacks(), symbols);
        }
        root.put("leak_found", !r.leakFindings().isEmpty());
        ArrayNode fs = root.putArray("findings");
        for (int fi = 0; fi < r.findings().size(); fi++) {
            Finding f = r.findings().get(fi);
            ObjectNode n = fs.addObject();
            n.put("cause", addresses.names(f.cause()));
            n.put("cause_tag", addresses.names(f.causeTag()));
            n.put("pid", f.pid());
            n.put("confidence", f.confidence());
            n.put("leak", f.confidence() >= r.threshold());
            Evidence e = f.evidence();
            ObjectNode why = n.putObject("why");
            why.put("growth_per_s", f.members().get(0).ratePerS());
            why.put("r2", e.r2());
            why.put("age_s", e.ageSeconds());
            why.put("churn", e.churn());
            why.put("reclaimable", e.pool() < 1);
            why.put("untraced_frees", e.untraceable() < 1);
            why.put("slabinfo_cache", e.procfsCache());
            why.put("confirmation", e.confirmation());
            why.put("loss", e.loss());
            why.put("companions", f.lockstep());
            ArrayNode lines = why.putArray("lines");
            f.why().forEach(x -> lines.add(addresses.names(x)));
            ArrayNode ms = n.putArray("members");
            for (Finding.Member m : f.members()) {
                ObjectNode mn = ms.addObject();
                mn.put("cache", m.cache());
                mn.put("site", addresses.names(m.site()));
                mn.put("pool", m.pool().label());
                mn.put("role", m.role().label());
                if (m.growsWith() != null) {
                    mn.put("grows_with", addresses.names(m.growsWith()));
                }
                mn.put("reason", addresses.names(m.reason()));
                mn.put("outstanding", m.outstanding());
                mn.put("bytes", m.bytes());
                mn.put("rate_per_s", m.ratePerS());
                mn.put("confidence", m.confidence());
            }
            if (findingCgroups != null) {
                sharesJson(n.putArray("cgroups"), nth(findingCgroups, fi));
            }
            stacksJson(n.putArray("stacks"), f.stacks(), symbols);
        }
        root.set("loss", Json.loss(loss));
        return root;
    }

    private static void stacksJson(ArrayNode stacks, List<StackSummary> list, KernelSymbols symbols) {
        for (StackSummary st : list) {
            ObjectNode sn = stacks.addObject();
            sn.put("stack_tag", st.stackTag());
            sn.put("outstanding", st.outstanding());
            sn.put("bytes", st.bytes());
            ArrayNode fr = sn.putArray("frames");
            Frames.symbolize(symbols, st.frames()).forEach(fr::add);
        }
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
