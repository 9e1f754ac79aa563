package pooltag.engine.hunt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import pooltag.core.rank.HuntReport;
import pooltag.core.rank.StackSummary;
import pooltag.core.rank.Suspect;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;

/** Each top suspect without a stack gets the one reason that applies, the stack budget's included. */
class HunterStackNotesTest {
    @Test
    void aSuspectWithoutAStackIsToldWhyOnce() {
        StackSummary none = new StackSummary("", 40, 4096, new long[0]); // outstanding allocations with no stack
        StackSummary some = new StackSummary("~1", 10, 1024, new long[] {0xffffffff81000000L});
        List<Suspect> suspects = List.of(
                suspect("stacked_site", TagKind.SITE, List.of(some, none)),
                suspect("dentry", TagKind.CACHE, List.of(none)),
                suspect("never_led", TagKind.SITE, List.of(none)),
                suspect("late_site", TagKind.SITE, List.of(none)),
                suspect("busy_site", TagKind.SITE, List.of(none)));
        HuntReport report = new HuntReport(10, 1000, 0, 0, 0, 0.5, suspects, List.of());

        List<String> notes = Hunter.stackNotes(report, Map.of("stacked_site", 0.5, "late_site", 4.0, "busy_site",
                0.5), Set.of("busy_site"));

        assertEquals(List.of(
                "dentry: no stack: none of its call sites led while tracing, so none was armed",
                "never_led: no stack: it never led the outstanding allocations while tracing, so it was never armed",
                "late_site: no stack: armed 4.0 s into the hunt, after its 40 outstanding allocations were made (or"
                        + " their stack records were lost)",
                "busy_site: no stack: allocating faster than the stack budget (2,000 records/s), it was armed in"
                        + " bursts from 0.5 s into the hunt, and none of its 40 outstanding allocations was made"
                        + " during one"), notes);
    }

    private static Suspect suspect(String tag, TagKind kind, List<StackSummary> stacks) {
        return new Suspect(tag, kind, Pool.NONPAGED, "kernel", 50, 5120, 10, 1024, 0.9, null, stacks);
    }
}
