package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import pooltag.cli.render.HuntReportView;
import pooltag.core.rank.HuntReport;
import pooltag.core.snapshot.Loss;
import pooltag.core.tag.TagKind;
import pooltag.engine.publish.AddressPolicy;

/**
 * A call site the symbols cannot name is tagged by its raw kernel address (real-pages.ptrec has five such sites,
 * {@code 0xffffffff817bd0e4} among them): every door prints it as {@code site@} and the keyed hash, the same
 * hash on every line, unless root asks for {@code --show-addresses}. The test JVM runs as root.
 */
class SiteAddressMaskingTest {
    static final String REAL = ReportCommandTest.REAL;
    static final String SITE = "0xffffffff817bd0e4";
    static final Pattern KERNEL_ADDRESS = Pattern.compile("(?i)0x[0-9a-f]{8,}|ffff[0-9a-f]{12}");
    static final Pattern MASKED_SITE = Pattern.compile("site@[0-9a-f]{8}");

    private static void noKernelAddress(String out) {
        Matcher m = KERNEL_ADDRESS.matcher(out);
        assertFalse(m.find(), () -> "raw kernel address " + m.group() + " in:\n" + out);
    }

    @Test
    void reportMasksSitesNamedByAddressUnlessRootAsks() {
        CliRun masked = CliRun.of("report", REAL);
        assertEquals(0, masked.exit(), masked.err());
        noKernelAddress(masked.out());
        assertTrue(MASKED_SITE.matcher(masked.out()).find(), masked.out());

        CliRun json = CliRun.of("report", "--json", REAL);
        noKernelAddress(json.out());
        assertTrue(json.out().contains("\"tag\" : \"site@"), json.out());

        assumeTrue(AddressPolicy.isRoot(), "--show-addresses is root's");
        CliRun raw = CliRun.of("report", "--show-addresses", REAL);
        assertEquals(0, raw.exit(), raw.err());
        assertTrue(raw.out().contains(SITE), raw.out());
        assertFalse(MASKED_SITE.matcher(raw.out()).find(), raw.out());
        assertTrue(CliRun.of("report", "--json", "--show-addresses", REAL).out()
                .contains("\"tag\" : \"" + SITE + "\""));
    }

    @Test
    void findFromARecordingMasksTheSiteOfEveryBlockWithOneHashPerSite() {
        CliRun masked = CliRun.of("find", "--from", REAL, "kmalloc-64");
        noKernelAddress(masked.out());
        // one run, one key: a site reads the same on every block's line
        List<String> sites = MASKED_SITE.matcher(masked.out()).results().map(r -> r.group()).distinct().toList();
        assertTrue(!sites.isEmpty() && sites.size() < masked.out().lines().filter(l -> l.contains("site site@")).count(),
                masked.out());
        CliRun json = CliRun.of("find", "--json", "--from", REAL, "kmalloc-64");
        noKernelAddress(json.out());
        assertTrue(json.out().contains("\"site\" : \"site@"), json.out());

        assumeTrue(AddressPolicy.isRoot(), "--show-addresses is root's");
        CliRun raw = CliRun.of("find", "--show-addresses", "--from", REAL, "kmalloc-64");
        assertTrue(raw.out().contains("site " + SITE), raw.out());
    }

    @Test
    void huntFromARecordingAcceptsShowAddressesAndPrintsNoAddressWithoutIt() {
        CliRun masked = CliRun.of("hunt", "--from", REAL, "--tag-by", "site", "--by", "tag");
        noKernelAddress(masked.out());
        noKernelAddress(CliRun.of("hunt", "--json", "--from", REAL).out());
        assumeTrue(AddressPolicy.isRoot(), "--show-addresses is root's");
        assertEquals(0, CliRun.of("hunt", "--show-addresses", "--from", REAL).exit());
    }

    /** The recording is too short to rank anything: the hunt's view, fed a suspect named by its address. */
    @Test
    void huntReportMasksASuspectAndItsNotesNamedByAddress() {
        HuntReport r = new HuntReport(10, 1000, 0, 0, 0, 0.5, List.of(HuntJsonTest.suspect(SITE, TagKind.SITE)),
                List.of("stacks armed on " + SITE));
        StringWriter w = new StringWriter();
        HuntReportView.text(new PrintWriter(w, true), r, HuntJsonTest.NONE, List.of(SITE), Loss.NONE, 10, null,
                AddressPolicy.masked());
        noKernelAddress(w.toString());
        String site = AddressPolicy.masked().names(SITE);
        assertTrue(MASKED_SITE.matcher(site).matches(), site);
        assertTrue(w.toString().contains("Stacks armed on: " + site), w.toString());
        assertTrue(w.toString().contains("Note: stacks armed on " + site), w.toString());
        ObjectNode j = HuntReportView.json(r, HuntJsonTest.NONE, List.of(SITE), Loss.NONE, null, null,
                AddressPolicy.masked());
        noKernelAddress(j.toString());
        assertEquals(site, j.get("suspects").get(0).get("tag").asText());

        ObjectNode raw = HuntReportView.json(r, HuntJsonTest.NONE, List.of(SITE), Loss.NONE, null, null,
                AddressPolicy.raw());
        assertEquals(SITE, raw.get("suspects").get(0).get("tag").asText());
    }
}
