package pooltag.core.rank;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.testkit.RankFixtures;

/**
 * The hunt's one-line answer, which the command's findings view and the web page both print: every form, byte for
 * byte (the command printed these same strings with printf before the page shared them).
 */
class HuntReportVerdictTest {
    static Finding finding(String causeTag, double confidence) {
        return RankFixtures.finding(causeTag, confidence, List.of());
    }

    static HuntReport report(double threshold, Finding... findings) {
        return new HuntReport(10, 100, 0, 0, 0, threshold, List.of(), List.of(), List.of(findings));
    }

    @Test
    void oneLeakSeveralLeaksNoLeakAndNothingRanked() {
        assertEquals("1 leak found at or above confidence 0.50",
                report(0.5, finding("alloc_pipe_info", 0.99), finding("newary", 0.2)).verdict());
        assertEquals("2 leaks found at or above confidence 0.75",
                report(0.75, finding("alloc_pipe_info", 0.99), finding("newary", 0.75)).verdict());
        assertEquals("No leak found: no finding reached confidence 0.50 (the most confident: damon_split_region_at at"
                + " 0.13)", report(0.5, finding("damon_split_region_at", 0.13)).verdict());
        assertEquals("No leak found: no finding reached confidence 0.50", report(0.5).verdict());
    }
}
