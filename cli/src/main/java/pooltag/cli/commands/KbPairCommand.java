package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pooltag.windows.WindowsCaptures;
import pooltag.windows.analysis.BreakStack;
import pooltag.windows.analysis.OutstandingStack;
import pooltag.windows.analysis.TranscriptReplay;
import pooltag.windows.parse.Transcript;

/**
 * {@code pooltag kbpair TRANSCRIPT}: the allocations a PoolHitTag debugger session saw and never saw freed, grouped
 * by the stack {@code kb} printed at each break.
 */
@Command(name = "kbpair", mixinStandardHelpOptions = true,
        description = "Allocations never freed in a PoolHitTag or tag-breakpoint debugger transcript, grouped by stack"
                + " and named by the first frame outside the allocator.")
public final class KbPairCommand extends JsonCommand implements Runnable {
    @Parameters(paramLabel = "TRANSCRIPT", description = "a saved kd/WinDbg session that broke on nt!PoolHitTag, or on"
            + " bp nt!ExAllocatePool2 \".if (@r8 == 0x6b61654c) {} .else {gc}\" (and ExFreePoolWithTag on @rdx)")
    Path transcript;

    @Override
    public void run() {
        Transcript t = WindowsCaptures.readTranscript(transcript);
        TranscriptReplay p = TranscriptReplay.of(t);
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("transcript", transcript.toString());
            m.put("breaks", t.events().size());
            m.put("tags", t.events().stream().map(e -> e.tag()).filter(x -> !x.isEmpty()).distinct().sorted().toList());
            m.put("allocs", p.allocs());
            m.put("frees", p.frees());
            m.put("paired", p.paired());
            m.put("outstanding", p.outstandingCount());
            // bytes over the allocations whose size the transcript shows; null when it shows none of them
            m.put("outstanding_bytes", p.outstandingUnsized() == p.outstandingCount() && p.outstandingCount() > 0
                    ? null : p.outstandingBytes());
            m.put("outstanding_unsized", p.outstandingUnsized());
            List<Object> groups = new ArrayList<>();
            for (OutstandingStack g : p.outstanding()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("owner", g.owner());
                r.put("count", g.count());
                r.put("bytes", g.unsized() == g.count() ? null : g.bytes());
                r.put("unsized", g.unsized());
                r.put("tags", g.tags());
                r.put("frames", g.frames());
                r.put("addresses", g.addresses().stream().map(KbPairCommand::hex).toList());
                groups.add(r);
            }
            m.put("stacks", groups);
            List<Object> breakStacks = new ArrayList<>();
            for (BreakStack b : BreakStack.of(t)) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("kind", b.kind() == pooltag.windows.parse.HitEvent.Kind.ALLOC ? "alloc" : "free");
                r.put("owner", b.owner());
                r.put("breaks", b.breaks());
                r.put("unaddressed", b.unaddressed());
                r.put("tags", b.tags());
                r.put("frames", b.frames());
                breakStacks.add(r);
            }
            m.put("break_stacks", breakStacks);
            m.put("loss", CaptureOutput.lossJson(p.loss()));
            CaptureOutput.printJson(out, m);
            return;
        }
        out.println("PoolHitTag transcript " + transcript + ": " + p.allocs() + " allocations, " + p.frees()
                + " frees, " + p.paired() + " paired");
        out.println(p.outstandingCount() + " never freed (" + bytes(p.outstandingBytes(), p.outstandingUnsized(),
                p.outstandingCount()) + ") in " + p.outstanding().size() + " stacks");
        for (OutstandingStack g : p.outstanding()) {
            out.println();
            out.println(" " + g.count() + " allocations, " + bytes(g.bytes(), g.unsized(), g.count()) + ", tag "
                    + String.join(",", g.tags())
                    + (g.owner().isEmpty() ? "" : ", owner " + g.owner()) + ":");
            if (g.frames().isEmpty()) {
                out.println("    (no stack printed at these breaks)");
            }
            for (int i = 0; i < g.frames().size(); i++) {
                out.println(String.format("    %02x %s", i, g.frames().get(i)));
            }
            out.println("    at " + g.addresses().stream().map(KbPairCommand::hex).collect(Collectors.joining(" ")));
        }
        List<BreakStack> breakStacks = BreakStack.of(t);
        if (breakStacks.stream().anyMatch(b -> b.unaddressed() > 0)) {
            // Breaks without a block address cannot pair; who made them is still the breakpoint's answer.
            out.println();
            out.println("Breaks by stack (" + t.events().size() + (t.events().size() == 1 ? " break" : " breaks") + ", with or without a block address):");
            for (BreakStack b : breakStacks) {
                out.println();
                out.println(" " + b.breaks() + (b.kind() == pooltag.windows.parse.HitEvent.Kind.ALLOC ? " allocation"
                        : " free") + (b.breaks() == 1 ? "" : "s") + ", " + b.unaddressed() + " without an address, tag "
                        + String.join(",", b.tags()) + (b.owner().isEmpty() ? "" : ", owner " + b.owner()) + ":");
                for (int i = 0; i < b.frames().size(); i++) {
                    out.println(String.format("    %02x %s", i, b.frames().get(i)));
                }
            }
        }
        out.println();
        out.println("loss: skipped " + p.loss().skippedRecords() + " breaks without a block address, unpaired frees "
                + p.loss().unpairedFrees() + " (blocks allocated before the transcript), missed frees "
                + p.loss().lostEvents() + " (an address allocated twice), truncated: " + (p.loss().truncated() ? "yes" : "no"));
        out.flush();
    }

    /**
     * Bytes of {@code count} allocations of which {@code unsized} have no size in the transcript: "N bytes", "size
     * not shown" when none has one, else "N bytes + K of a size not shown" (0 would be a size, which it is not).
     */
    static String bytes(long bytes, long unsized, long count) {
        if (unsized == 0) {
            return bytes + " bytes";
        }
        return unsized == count ? "size not shown" : bytes + " bytes + " + unsized + " of a size not shown";
    }

    private static String hex(long a) {
        return (a >>> 32) == 0 ? String.format("%08x", a) : String.format("%016x", a);
    }
}
