package pooltag.engine.hunt;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
                suspect("dentry", TagKind.CACHE, 0.1, List.of(new StackSummary("~99", 5, 960, new long[] {0xffffffff81600001L})))),
                List.of());
        HuntService.Report r = LiveHuntService.toReport(h, SYMBOLS, new Loss(h.lostEvents(), h.unpairedFrees(), 0, false));
        assertEquals(30_000_000_000L, r.elapsedNanos());
        assertEquals(List.of("alloc_pipe_info", "dentry"), r.suspects().stream().map(HuntService.Suspect::tag).toList());
        assertEquals("site", r.suspects().get(0).kind());
        assertEquals("NonPaged", r.suspects().get(0).pool());
        assertEquals(4051.2, r.suspects().get(0).bytesPerSecond());
        // Only the leak (confidence >= threshold) feeds the flame graph; the tracepoint frame is dropped.
        assertEquals(1, r.outstandingStacks().size());
        assertEquals(List.of("entry_SYSCALL_64+0x50", "do_pipe2+0x40", "alloc_pipe_info+0x30", "__kmalloc_cache_noprof+0x20"),
                r.outstandingStacks().get(0).frames());
        assertEquals(211 * 192, r.outstandingStacks().get(0).bytes());
        assertEquals(new Loss(7, 89, 0, false), r.loss());
    }
}
