package pooltag.cli.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

class PoolUsedTableTest {
    static final UsageSnapshot SEED = new UsageSnapshot(0, "seed page", List.of(
            new TagUsage("Abc", TagKind.POOL, Pool.PAGED, -1, -1, 36405, 33930272, ""),
            new TagUsage("Tron", TagKind.POOL, Pool.PAGED, -1, -1, 552, 7863232, ""),
            new TagUsage("Gla5", TagKind.POOL, Pool.NONPAGED, -1, -1, 1, 128, ""),
            new TagUsage("Gla5", TagKind.POOL, Pool.PAGED, -1, -1, 2222, 924352, "")), Loss.NONE);

    private static String render(String flags, String tag, UsageSnapshot s) {
        StringWriter w = new StringWriter();
        PoolUsedTable.print(new PrintWriter(w), PoolUsedQuery.parse(flags, tag).apply(s));
        return w.toString();
    }

    @Test
    void fourCharacterTagsGiveWinDbgsNewLayoutExactly() {
        // Row format " %-4s %9d %12d %10d %12d", the seed page's rows, sorted by paged use (flag 4).
        String expected = String.join("\n",
                " Sorting by Paged Pool Consumed",
                "",
                "               NonPaged                  Paged",
                " Tag     Allocs         Used     Allocs         Used",
                "",
                " Abc          0            0      36405     33930272",
                " Tron         0            0        552      7863232",
                " Gla5         1          128       2222       924352",
                "",
                " TOTAL        1          128      39179     42717856",
                "");
        assertEquals(expected, render("4", null, SEED));
    }

    @Test
    void longTagsWidenOnlyTheTagColumn() {
        UsageSnapshot s = new UsageSnapshot(0, "x", List.of(
                new TagUsage("kmalloc-64", TagKind.CACHE, Pool.NONPAGED, -1, -1, 1613, 103232, "slab cache, 64 B objects")),
                Loss.NONE);
        String expected = String.join("\n",
                " Sorting by Tag",
                "",
                "                     NonPaged                  Paged",
                " Tag           Allocs         Used     Allocs         Used",
                "",
                " kmalloc-64      1613       103232          0            0\tslab cache, 64 B objects",
                "",
                " TOTAL           1613       103232          0            0",
                "");
        assertEquals(expected, render("0", null, s));
    }

    /**
     * A first total as wide as its column: WinDbg's format ran it into the label ("TOTAL1220429824"), which no
     * reader or script can split; it keeps a space (a 300,000-row PoolMon capture's totals).
     */
    @Test
    void aTotalAsWideAsItsColumnIsNotRunIntoTheLabel() {
        UsageSnapshot s = new UsageSnapshot(0, "x", List.of(
                new TagUsage("Tffe", TagKind.POOL, Pool.NONPAGED, -1, -1, 1220429824, 78107508736L, "")), Loss.NONE);
        assertEquals(" TOTAL 1220429824  78107508736          0            0",
                render("0", null, s).lines().filter(l -> l.startsWith(" TOTAL")).findFirst().orElseThrow());
        assertEquals(" TOTAL       -        - 1220429824 78107508736        0        0        0        0",
                render("1", null, s).lines().filter(l -> l.startsWith(" TOTAL")).findFirst().orElseThrow());
        UsageSnapshot nine = new UsageSnapshot(0, "x", List.of(
                new TagUsage("Tffe", TagKind.POOL, Pool.NONPAGED, -1, -1, 999999999, 1, "")), Loss.NONE);
        assertEquals(" TOTAL 999999999            1          0            0",
                render("0", null, nine).lines().filter(l -> l.startsWith(" TOTAL")).findFirst().orElseThrow());
    }

    @Test
    void verboseShowsDashesForCountersProcfsDoesNotHave() {
        String out = render("1", "Tron", SEED);
        // NonPaged: the tag has no row there (zeros); Paged: allocs and frees unknown (-), diff 552, used 7863232.
        assertEquals(" Tron        0        0        0        0        -        -      552  7863232",
                out.lines().filter(l -> l.startsWith(" Tron")).findFirst().orElseThrow());
        // WinDbg's verbose header, character for character.
        assertEquals(" Tag    Allocs    Frees     Diff     Used   Allocs    Frees     Diff     Used",
                out.lines().filter(l -> l.startsWith(" Tag")).findFirst().orElseThrow());
    }

    @Test
    void lossIsPrintedWhenThereIsAny() {
        UsageSnapshot s = new UsageSnapshot(0, "x", SEED.rows(), new Loss(0, 0, 3, true));
        String out = render("0", null, s);
        assertEquals(" Loss: 0 lost events, 0 unpaired frees, 3 skipped records, 0 evicted outstanding, input cut short",
                out.lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void jsonHasOneEntryPerTagAndPoolWithTotalsAndLoss() throws Exception {
        JsonNode j = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(
                PoolUsedTable.json(PoolUsedQuery.parse("4", null).apply(SEED))));
        assertEquals("paged", j.get("sort").asText());
        assertEquals(4, j.get("tags").size());
        JsonNode first = j.get("tags").get(0);
        assertEquals("Abc", first.get("tag").asText());
        assertEquals("pool", first.get("kind").asText());
        assertEquals("Paged", first.get("pool").asText());
        assertEquals(36405, first.get("allocs").asLong());
        assertEquals(33930272, first.get("used_bytes").asLong());
        assertEquals(42717856, j.get("totals").get("Paged").get("used_bytes").asLong());
        assertEquals(0, j.get("loss").get("lost_events").asLong());
    }

    /**
     * The table is padded by hand; every line is what the printf formats it replaced give (widths never cut, long
     * tags, numbers wider than their column, negative values, unknown counters, descriptions, both layouts).
     */
    @Test
    void handPaddedLinesEqualThePrintfFormats() {
        UsageSnapshot s = new UsageSnapshot(0, "x", List.of(
                new TagUsage("Abc", TagKind.POOL, Pool.PAGED, 5, 2, 36405, 33930272, ""),
                new TagUsage("a-very-long-cache-name-indeed", TagKind.CACHE, Pool.NONPAGED, -1, -1, 1613, 103232,
                        "slab cache, 64 B objects, merged with x y"),
                new TagUsage("Neg", TagKind.POOL, Pool.NONPAGED, 123456789012L, 3, -7, -123456789012345L, "d"),
                new TagUsage("Wide", TagKind.POOL, Pool.PAGED, -1, -1, 9876543210123L, Long.MAX_VALUE / 3, ""),
                new TagUsage("Wide", TagKind.POOL, Pool.NONPAGED, 1, 1, 0, 0, "both pools")), Loss.NONE);
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            // printf's %d wrote the default locale's digits (as a JVM started with LANG=fa_IR.UTF-8 has it):
            // Arabic-Indic in ar-EG and fa-IR, also when asked by a Unicode extension on an English locale.
            for (String tag : List.of("en-US", "de-DE", "ar", "fa-IR", "en-US-u-nu-arab", "ar-EG")) {
                java.util.Locale.setDefault(java.util.Locale.forLanguageTag(tag));
                for (UsageSnapshot snap : List.of(s, SEED)) {
                    for (String flags : List.of("0", "1", "2", "4", "3", "5")) {
                        PoolUsedQuery.Result r = PoolUsedQuery.parse(flags, null).apply(snap);
                        StringWriter w = new StringWriter();
                        PoolUsedTable.print(new PrintWriter(w), r);
                        assertEquals(printfReference(r), w.toString(), tag + ", flags " + flags);
                    }
                }
            }
            assertEquals('\u0660', PoolUsedTable.zeroDigit(), "the last locale tried writes Arabic-Indic digits");
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    /** The table as the printf formats made it before the columns were padded by hand. */
    private static String printfReference(PoolUsedQuery.Result r) {
        StringWriter sw = new StringWriter();
        PrintWriter out = new PrintWriter(sw);
        int w = 4;
        for (PoolUsedQuery.Row row : r.rows()) {
            w = Math.max(w, row.tag().length());
        }
        String pad = " ".repeat(w - 4);
        out.println(" Sorting by " + r.sort().title());
        out.println();
        if (r.verbose()) {
            out.println(pad + "            NonPaged                               Paged");
            out.printf(" %-" + w + "s %8s %8s %8s %8s %8s %8s %8s %8s%n", "Tag", "Allocs", "Frees", "Diff", "Used",
                    "Allocs", "Frees", "Diff", "Used");
        } else {
            out.println(pad + "               NonPaged                  Paged");
            out.printf(" %-" + w + "s %9s %12s %10s %12s%n", "Tag", "Allocs", "Used", "Allocs", "Used");
        }
        out.println();
        for (PoolUsedQuery.Row row : r.rows()) {
            String desc = row.description().isEmpty() ? "" : "\t" + row.description();
            if (r.verbose()) {
                out.printf(" %-" + w + "s %8s %8s %8d %8d %8s %8s %8d %8d%s%n", row.tag(),
                        count(row.nonPaged(), true), count(row.nonPaged(), false), live(row.nonPaged()),
                        row.nonPagedBytes(), count(row.paged(), true), count(row.paged(), false), live(row.paged()),
                        row.pagedBytes(), desc);
            } else {
                out.printf(" %-" + w + "s %9d %12d %10d %12d%s%n", row.tag(), live(row.nonPaged()),
                        row.nonPagedBytes(), live(row.paged()), row.pagedBytes(), desc);
            }
        }
        PoolUsedQuery.Totals t = r.totals();
        out.println();
        String total;
        if (r.verbose()) {
            total = String.format(" %-" + (w + 1) + "s%8s %8s %8d %8d %8s %8s %8d %8d", "TOTAL",
                    known(t.nonPagedAllocs()), known(t.nonPagedFrees()), t.nonPagedLive(), t.nonPagedBytes(),
                    known(t.pagedAllocs()), known(t.pagedFrees()), t.pagedLive(), t.pagedBytes());
        } else {
            total = String.format(" %-" + (w + 1) + "s%9d %12d %10d %12d", "TOTAL", t.nonPagedLive(),
                    t.nonPagedBytes(), t.pagedLive(), t.pagedBytes());
        }
        // the one departure from the formats: a first total as wide as its column is not run into TOTAL
        int first = 1 + w + 1;
        out.println(total.charAt(first) == ' ' ? total : total.substring(0, first) + " " + total.substring(first));
        out.flush();
        return sw.toString();
    }

    private static long live(TagUsage u) {
        return u == null ? 0 : u.live();
    }

    private static String count(TagUsage u, boolean allocs) {
        return u == null ? "0" : known(allocs ? u.allocs() : u.frees());
    }

    private static String known(long v) {
        return v == TagUsage.UNKNOWN ? "-" : Long.toString(v);
    }
}
