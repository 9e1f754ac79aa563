package pooltag.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The alert rules in deploy/ pass their promtool unit tests, and those tests can fail (a control). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PromtoolRulesTest {
    @Test
    void rulesAreValid() throws Exception {
        Path promtool = Tools.require("promtool", "prometheus");
        Path deploy = Tools.deployDir();
        Tools.Result r = Tools.run(deploy, 60, promtool.toString(), "check", "rules", "pooltag-rules.yml");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("SUCCESS: 4 rules found"), r.output());
    }

    @Test
    void ruleUnitTestsPass() throws Exception {
        Path promtool = Tools.require("promtool", "prometheus");
        Tools.Result r = Tools.run(Tools.deployDir(), 60, promtool.toString(), "test", "rules", "tests/pooltag-rules.test.yml");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void ruleUnitTestsFailWhenTheGrowthRuleIsBroken(@TempDir Path tmp) throws Exception {
        // Control: a threshold of 1 TiB/h never fires, so the tests that expect the filp alert must fail.
        assertBrokenRuleFails(tmp, "> 1048576 / 3600", "> 1099511627776 / 3600", "PooltagTagGrowing");
    }

    @Test
    void ruleUnitTestsFailWhenTheCgroupRuleIsBroken(@TempDir Path tmp) throws Exception {
        // Control: a rule that also watches reclaimable slab fires for the scanning pod, where the tests expect only
        // the leaky one.
        assertBrokenRuleFails(tmp, "cgroup!=\"other\",kind!=\"slab_reclaimable\"", "cgroup!=\"other\"",
                "PooltagCgroupKernelGrowing");
    }

    /** The deployed tests, run against the rules with {@code from} replaced by {@code to}, fail on {@code alert}. */
    private static void assertBrokenRuleFails(Path tmp, String from, String to, String alert) throws Exception {
        Path promtool = Tools.require("promtool", "prometheus");
        Path deploy = Tools.deployDir();
        String rules = Files.readString(deploy.resolve("pooltag-rules.yml"));
        String broken = rules.replace(from, to);
        assertNotEquals(rules, broken);
        Files.writeString(tmp.resolve("pooltag-rules.yml"), broken);
        Files.createDirectories(tmp.resolve("tests"));
        Files.copy(deploy.resolve("tests/pooltag-rules.test.yml"), tmp.resolve("tests/pooltag-rules.test.yml"));
        Tools.Result r = Tools.run(tmp, 60, promtool.toString(), "test", "rules", "tests/pooltag-rules.test.yml");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("alertname: " + alert), r.output());
    }
}
