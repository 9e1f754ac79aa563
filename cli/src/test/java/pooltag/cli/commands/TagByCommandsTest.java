package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every command's --tag-by through the one parser: the same words, one error line naming the option. */
class TagByCommandsTest {
    private static void oneLine(CliRun r, String expected) {
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    void huntTakesAReversedPairWithASpace() {
        // Parsed (it was "--tag-by takes cache,site, ..."): the recording then has no cgroup decisions to rank.
        oneLine(CliRun.of("hunt", "--from", ReportCommandTest.REAL, "--tag-by", "site, cgroup"),
                "carries no cgroup decisions");
        oneLine(CliRun.of("hunt", "--from", ReportCommandTest.REAL, "--tag-by", "pid"),
                "--tag-by takes cache, site, cache,site, cgroup, cgroup,cache or cgroup,site, got 'pid'");
    }

    @Test
    void monTakesTheSameWords() {
        oneLine(CliRun.of("mon", "--batch", "--tag-by", "cache,cgroup"), "--tag-by cgroup needs --trace");
        oneLine(CliRun.of("mon", "--batch", "--tag-by", "cache,site"),
                "--tag-by takes cache, site, cgroup, cgroup,cache or cgroup,site, got 'cache,site'");
    }

    @Test
    void exporterSaysWhatItTakesBeforeReadingAnything() {
        oneLine(CliRun.of("exporter", "--trace", "--tag-by", "cgroup,cache"), "--tag-by takes cgroup, got 'cgroup,cache'");
        oneLine(CliRun.of("exporter", "--tag-by", "cgroup"), "--tag-by cgroup needs --trace");
    }

    @Test
    void cgroupOptionCommandsTakeReversedPairs() {
        oneLine(CliRun.of("report", ReportCommandTest.REAL, "--tag-by", "site,cgroup"), "carries no cgroup decisions");
    }

    @Test
    void poolusedByCgroupTakesAWordAsThePattern() {
        CliRun r = CliRun.of(cl -> ((PoolUsedCommand) cl.getSubcommands().get("poolused").getCommand()).cgroupSource =
                MonByCgroupTest.growing(pooltag.core.cgroup.CgroupSnapshot.Left.NONE), "poolused", "--by", "cgroup",
                "face");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(" 0 of 0 cgroups shown"), r.out());
        CliRun sys = CliRun.of(cl -> ((PoolUsedCommand) cl.getSubcommands().get("poolused").getCommand()).cgroupSource =
                MonByCgroupTest.growing(pooltag.core.cgroup.CgroupSnapshot.Left.NONE), "poolused", "--by", "cgroup",
                "/sys");
        assertTrue(sys.out().contains(" 1 of 1 cgroups shown"), sys.out());
        oneLine(CliRun.of("poolused", "--by", "cgroup", "2"), "flags 0 or 1 only, got '2'");
    }
}
