package pooltag.core.testkit;

import java.util.List;

import pooltag.core.rank.Evidence;
import pooltag.core.rank.Finding;
import pooltag.core.rank.StackSummary;
import pooltag.core.snapshot.Pool;

/**
 * Findings for the tests of what is made from a ranking (its verdict, the web page's report), where only a finding's
 * cause tag, confidence and stacks matter: one member, its cause, on kmalloc-192, with evidence that is all ones.
 */
public final class RankFixtures {
    private RankFixtures() {
    }

    /** Evidence whose every factor is 1 (10 s old, no churn, no notes). */
    public static Evidence evidence() {
        return new Evidence(1, List.of(1L, 2L), List.of(), List.of(), null, 1, 1, 1, 1, 1, 1, 1, 1, 10, 0, List.of());
    }

    /** A finding caused by {@code causeTag} at {@code confidence}, with {@code stacks}. */
    public static Finding finding(String causeTag, double confidence, List<StackSummary> stacks) {
        return new Finding("kmalloc", causeTag, -1, confidence, List.of(new Finding.Member("kmalloc-192", causeTag,
                Pool.NONPAGED, Finding.Role.CAUSE, null, "", 211, 211 * 192, 21.1, confidence)), List.of("grows"),
                stacks, evidence(), 0);
    }
}
