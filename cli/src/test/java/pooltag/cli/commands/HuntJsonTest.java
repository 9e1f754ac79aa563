package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import pooltag.cli.render.HuntReportView;
import pooltag.core.rank.CgroupShares;
import pooltag.core.rank.HuntReport;
import pooltag.core.rank.Suspect;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.core.testkit.RankFixtures;
import pooltag.linux.symbols.KernelSymbols;

/** The hunt's views of cgroups: absent when not tagged, in the suspects' order, a cgroup row not "held by" itself. */
class HuntJsonTest {
    static final KernelSymbols NONE = KernelSymbols.parse("ffffffff81400000 T _etext\n", "", "test");

    static Suspect suspect(String tag, TagKind kind) {
        return new Suspect(tag, kind, Pool.NONPAGED, null, 10, 640, 1, 64, 0.9, RankFixtures.evidence(), List.of());
    }

    static final HuntReport REPORT = new HuntReport(10, 1000, 0, 0, 0, 0.5,
            List.of(suspect("/pods/a", TagKind.CGROUP), suspect("kmalloc-64", TagKind.CACHE)), List.of());

    @Test
    void withoutTagByCgroupNoRowCarriesACgroupsArray() {
        ObjectNode j = HuntReportView.json(REPORT, NONE, List.of(), Loss.NONE, null, null);
        assertEquals(2, j.get("suspects").size());
        j.get("suspects").forEach(s -> assertFalse(s.has("cgroups"), s.toString()));
    }

    @Test
    void eachRowGetsItsOwnSharesAndACgroupRowIsNotHeldByItself() {
        List<List<CgroupShares.Share>> shares = List.of(List.of(new CgroupShares.Share("/pods/a", 10, 640, 1.0)),
                List.of(new CgroupShares.Share("/pods/b", 10, 640, 1.0)));
        ObjectNode j = HuntReportView.json(REPORT, NONE, List.of(), Loss.NONE, shares, null);
        assertEquals("/pods/a", j.get("suspects").get(0).get("cgroups").get(0).get("cgroup").asText());
        assertEquals("/pods/b", j.get("suspects").get(1).get("cgroups").get(0).get("cgroup").asText());
        StringWriter w = new StringWriter();
        HuntReportView.text(new PrintWriter(w, true), REPORT, NONE, List.of(), Loss.NONE, 10, shares);
        String out = w.toString();
        assertFalse(out.contains("held by cgroups: /pods/a"), out);
        assertTrue(out.contains("held by cgroups: /pods/b 100% (640 bytes)"), out);
    }
}
