package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import pooltag.cli.render.Json;
import pooltag.cli.render.LossLine;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagPattern;
import pooltag.windows.TagArgument;
import pooltag.windows.WindowsCaptures;
import pooltag.windows.parse.PoolBlock;
import pooltag.windows.parse.PoolFindResult;
import pooltag.windows.parse.VerifierAllocation;
import pooltag.windows.parse.VerifierReport;

/**
 * Captured outstanding allocations ({@code !poolfind}, {@code !verifier 3}) shown with live {@code find}'s layout:
 * a {@code Searching ...} line, one {@code <block> : tag T, size 0x.., <Pool> pool, ...} row per allocation, the
 * count and bytes, the loss line; with {@code --json} the same fields under live find's names. The addresses are
 * the captured machine's (Windows), printed as captured: they say nothing of this machine's kernel.
 */
final class CaptureFind {
    private CaptureFind() {
    }

    /** {@code pooltag find --from FILE [TAG] [--pool P]}: the allocated blocks of a {@code !poolfind} capture. */
    static int poolfind(PrintWriter out, Path file, String tag, Pool only, boolean json) {
        TagPattern pattern = TagArgument.pattern(tag); // before the file is read: a tag no pool tag can be is refused
        PoolFindResult r = WindowsCaptures.readPoolFind(file);
        List<PoolBlock> rows = r.live().stream()
                .filter(b -> pattern.matchesPoolTag(b.tag()) && (only == null || b.pool() == only)).toList();
        long bytes = rows.stream().mapToLong(PoolBlock::bytes).sum();
        String shownTag = tag != null ? tag : String.join(",", rows.stream().map(PoolBlock::tag).distinct().toList());
        if (json) {
            ObjectNode root = Json.object();
            ArrayNode arr = head(root, file, shownTag, rows.size(), bytes);
            for (PoolBlock b : rows) {
                ObjectNode n = row(arr, b.address(), b.tag(), b.bytes());
                n.put("pool", b.pool().label());
                n.put("pool_name", b.poolName());
                n.put("line", b.line());
            }
            root.put("free_blocks_skipped", r.blocks().size() - r.live().size());
            root.set("loss", Json.loss(r.loss()));
            Json.print(out, root);
            return 0;
        }
        out.printf("Searching %s for tag %s, as captured in %s%n%n",
                only == null ? "NonPaged and Paged pools" : only.label() + " pool", shownTag.isEmpty() ? "*" : shownTag,
                file);
        for (PoolBlock b : rows) {
            out.printf(Locale.ROOT, "%s : tag %s, size %#9x, %s pool, line %d%n", hex(b.address()), b.tag(), b.bytes(),
                    b.pool() == Pool.NONPAGED ? "Nonpaged" : "Paged", b.line());
        }
        out.printf("%d allocation%s, %d bytes (%d freed blocks still carrying the tag not listed)%n", rows.size(),
                rows.size() == 1 ? "" : "s", bytes, r.blocks().size() - r.live().size());
        out.println(LossLine.of(r.loss()));
        out.flush();
        return 0;
    }

    /** {@code pooltag verifier FILE}: a {@code !verifier 3} capture's outstanding allocations, then by tag and caller. */
    static int verifier(PrintWriter out, Path file, String tag, boolean json) {
        TagPattern pattern = TagArgument.pattern(tag); // before the file is read: a tag no pool tag can be is refused
        VerifierReport r = WindowsCaptures.readVerifier(file);
        List<VerifierAllocation> rows = r.allocations().stream().filter(a -> pattern.matchesPoolTag(a.tag())).toList();
        long bytes = rows.stream().mapToLong(VerifierAllocation::bytes).sum();
        Map<String, long[]> byTagCaller = new LinkedHashMap<>();
        for (VerifierAllocation a : rows) {
            long[] c = byTagCaller.computeIfAbsent(a.tag() + '\u0000' + a.caller() + '\u0000' + a.module(),
                    k -> new long[2]);
            c[0]++;
            c[1] += a.bytes();
        }
        List<Map.Entry<String, long[]>> groups = new ArrayList<>(byTagCaller.entrySet());
        groups.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        if (json) {
            ObjectNode root = Json.object();
            ArrayNode arr = head(root, file, tag == null ? "*" : tag, rows.size(), bytes);
            for (VerifierAllocation a : rows) {
                ObjectNode n = row(arr, a.address(), a.tag(), a.bytes());
                n.put("caller", a.caller());
                n.put("module", a.module());
                n.put("line", a.line());
            }
            ArrayNode by = root.putArray("by_tag_and_caller");
            for (Map.Entry<String, long[]> g : groups) {
                String[] k = g.getKey().split("\u0000", -1);
                ObjectNode n = by.addObject();
                n.put("tag", k[0]);
                n.put("caller", k[1]);
                n.put("module", k[2]);
                n.put("count", g.getValue()[0]);
                n.put("bytes", g.getValue()[1]);
            }
            root.set("loss", Json.loss(r.loss()));
            Json.print(out, root);
            return 0;
        }
        out.printf("Driver Verifier pool tracking: allocations of tag %s outstanding, as captured in %s%n%n",
                tag == null ? "*" : tag, file);
        for (VerifierAllocation a : rows) {
            out.printf(Locale.ROOT, "%s : tag %s, size %#9x, caller %s%s, line %d%n", hex(a.address()), a.tag(),
                    a.bytes(), a.caller(), a.module().isEmpty() ? "" : ", driver " + a.module(), a.line());
        }
        out.printf("%d allocation%s, %d bytes%n", rows.size(), rows.size() == 1 ? "" : "s", bytes);
        out.println();
        out.println("By tag and caller, most bytes first:");
        AlignedTable t = new AlignedTable("Tag", "Caller", "Driver", ">Count", ">Bytes");
        for (Map.Entry<String, long[]> g : groups) {
            String[] k = g.getKey().split("\u0000", -1);
            t.row(k[0], k[1], k[2].isEmpty() ? "-" : k[2], g.getValue()[0], g.getValue()[1]);
        }
        t.lines().forEach(out::println);
        out.println(LossLine.of(r.loss()));
        out.flush();
        return 0;
    }

    /** The fields live find's JSON starts with; returns the {@code outstanding} array to fill. */
    private static ArrayNode head(ObjectNode root, Path file, String tag, int count, long bytes) {
        root.put("from", file.toString());
        root.put("tag", tag);
        root.put("count", count);
        root.put("bytes", bytes);
        return root.putArray("outstanding");
    }

    private static ObjectNode row(ArrayNode arr, long address, String tag, long bytes) {
        ObjectNode n = arr.addObject();
        n.put("block", hex(address));
        n.put("tag", tag);
        n.put("size", bytes);
        return n;
    }

    private static String hex(long a) {
        return (a >>> 32) == 0 ? String.format("%08x", a) : String.format("%016x", a);
    }

}
