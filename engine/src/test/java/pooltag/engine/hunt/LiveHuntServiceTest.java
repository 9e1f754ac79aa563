package pooltag.engine.hunt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pooltag.core.testkit.RankFixtures.finding;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.rank.HuntReport;
import pooltag.core.rank.StackSummary;
import pooltag.core.rank.Suspect;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.linux.symbols.KernelSymbols;

/** How a hunt's ranking becomes the page's report: suspects as ranked, the leaks' stacks root first, symbolized. */
class LiveHuntServiceTest {
    static final KernelSymbols SYMBOLS = KernelSymbols.parse(String.join("\n",
            "ffffffff81100000 T trace_event_raw_event_kmalloc",
            "ffffffff81200000 T __kmalloc_cache_noprof",
            "ffffffff81300000 T alloc_pipe_info",
            "ffffffff81400000 T do_pipe2",
            "ffffffff81500000 T entry_SYSCALL_64",
            "ffffffff81600000 T __d_alloc",
            "ffffffff81700000 T end_of_text"), "", "test kallsyms");

    static Suspect suspect(String tag, TagKind kind, double confidence, List<StackSummary> stacks) {
        return new Suspect(tag, kind, Pool.NONPAGED, "[kernel]", 211, 211 * 192, 21.1, 4051.2, confidence, null, stacks);
    }

    @Test
    void leaksStacksBecomeRootFirstFramesWithoutTheTracepoint() {
        StackSummary pipe = new StackSummary("~1a2b3c4d", 211, 211 * 192, new long[] {
                0xffffffff81100010L, 0xffffffff81200020L, 0xffffffff81300030L, 0xffffffff81400040L, 0xffffffff81500050L});
        HuntReport h = new HuntReport(30.0, 123_456, 7, 89, 0, 0.5, List.of(
                suspect("alloc_pipe_info", TagKind.SITE, 0.9, List.of(pipe)),
                suspect("dentry", TagKind.CACHE, 0.1, List.of(new StackSummary("~99", 5, 960, new long[0])))),
                List.of("7 events lost, 0 records skipped: every confidence x1.00; enlarge the trace buffer (--buffer-kb)"
                        + " to lose fewer"),
                List.of(finding("alloc_pipe_info", 0.9, List.of(pipe)), finding("__d_alloc", 0.1, List.of())));
        HuntService.Report r = LiveHuntService.toReport(h, SYMBOLS, new Loss(h.lostEvents(), h.unpairedFrees(), 0, false),
                List.of("dentry: no stack: none of its call sites led while tracing, so none was armed"));
        assertEquals(30_000_000_000L, r.elapsedNanos());
        assertEquals(List.of("alloc_pipe_info", "dentry"), r.suspects().stream().map(HuntService.Suspect::tag).toList());
        assertEquals("site", r.suspects().get(0).kind());
        assertEquals("NonPaged", r.suspects().get(0).pool());
        assertEquals(4051.2, r.suspects().get(0).bytesPerSecond());
        // Only the leak finding's stacks feed the flame graph; the tracepoint frame is dropped.
        assertEquals(1, r.outstandingStacks().size());
        assertEquals(List.of("entry_SYSCALL_64+0x50", "do_pipe2+0x40", "alloc_pipe_info+0x30", "__kmalloc_cache_noprof+0x20"),
                r.outstandingStacks().get(0).frames());
        assertEquals(211 * 192, r.outstandingStacks().get(0).bytes());
        assertEquals(new Loss(7, 89, 0, false), r.loss());
        // The page answers as the command does: the verdict line, its "Note:" lines, then its "Stacks:" lines.
        assertEquals("1 leak found at or above confidence 0.50", r.verdict());
        assertTrue(r.leakFound());
        assertEquals(List.of("Note: 7 events lost, 0 records skipped: every confidence x1.00; enlarge the trace buffer"
                        + " (--buffer-kb) to lose fewer",
                "Stacks: dentry: no stack: none of its call sites led while tracing, so none was armed"), r.notes());
    }

    /**
     * A finding can reach the threshold while none of its tags does (companions add to a finding's confidence): the
     * verdict is the finding's, and so is the flame graph, not the top suspects' (dentry first here).
     */
    @Test
    void theFlameGraphFollowsTheVerdictNotTheTagsConfidence() {
        StackSummary pipe = new StackSummary("~1a2b3c4d", 211, 211 * 192, new long[] {
                0xffffffff81300030L, 0xffffffff81400040L, 0xffffffff81500050L});
        StackSummary dentry = new StackSummary("~99", 500, 500 * 192, new long[] {0xffffffff81600001L});
        HuntReport h = new HuntReport(30.0, 123_456, 0, 0, 0, 0.5, List.of(
                suspect("dentry", TagKind.CACHE, 0.45, List.of(dentry)),
                suspect("alloc_pipe_info", TagKind.SITE, 0.45, List.of(pipe))), List.of(),
                List.of(finding("alloc_pipe_info", 0.505, List.of(pipe))));
        HuntService.Report r = LiveHuntService.toReport(h, SYMBOLS, Loss.NONE, List.of());
        assertEquals("1 leak found at or above confidence 0.50", r.verdict());
        assertEquals(List.of(List.of("entry_SYSCALL_64+0x50", "do_pipe2+0x40", "alloc_pipe_info+0x30")),
                r.outstandingStacks().stream().map(HuntService.StackBytes::frames).toList());
    }

    @Test
    void whenNoFindingReachesTheThresholdThePageSaysSoPlainly() {
        StackSummary dentry = new StackSummary("~99", 500, 500 * 192, new long[] {0xffffffff81600001L});
        HuntReport h = new HuntReport(10.0, 8_144, 0, 12, 0, 0.5, List.of(
                suspect("dentry", TagKind.CACHE, 0.62, List.of(dentry))), List.of(),
                List.of(finding("damon_split_region_at", 0.13, List.of())));
        HuntService.Report r = LiveHuntService.toReport(h, SYMBOLS, Loss.NONE, List.of());
        // A tag at the threshold that no finding reached is not called a leak: the command would not either.
        assertEquals("No leak found: no finding reached confidence 0.50 (the most confident: damon_split_region_at at"
                + " 0.13)", r.verdict());
        assertFalse(r.leakFound());
        assertEquals(List.of(List.of("__d_alloc+0x1")),
                r.outstandingStacks().stream().map(HuntService.StackBytes::frames).toList(),
                "no leak: the flame graph shows the top suspects' stacks");
    }
}
