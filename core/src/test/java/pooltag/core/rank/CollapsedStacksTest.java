package pooltag.core.rank;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.core.ledger.Feeder;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.SymbolResolver;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.tag.TagKind;

class CollapsedStacksTest {
    static final Map<Long, String> NAMES = Map.of(1L, "kmem_cache_alloc", 2L, "alloc_pipe_info", 3L, "do_pipe2",
            4L, "__x64_sys_pipe2", 5L, "create_pipe_files", 6L, "do_pipe2");

    static String name(long a) {
        return NAMES.getOrDefault(a, "0x" + Long.toHexString(a));
    }

    @Test
    void foldsRootFirstWeightedByBytesAndMergesPathsThatSymbolizeAlike() {
        List<StackSummary> stacks = List.of(
                new StackSummary("~00000001", 3, 1009, new long[]{1, 2, 3, 4}),
                new StackSummary("~00000002", 2, 401, new long[]{1, 2, 6, 4}), // 6 and 3 both name do_pipe2
                new StackSummary("~00000003", 1, 73, new long[]{1, 5, 0xdead}),
                new StackSummary("[no stack]", 5, 31, new long[0]),
                new StackSummary("~00000004", 0, 0, new long[]{9}));
        assertEquals(List.of(
                "0xdead;create_pipe_files;kmem_cache_alloc 73",
                "[no_stack] 31",
                "__x64_sys_pipe2;do_pipe2;alloc_pipe_info;kmem_cache_alloc 1410"),
                CollapsedStacks.fold(stacks, CollapsedStacksTest::name));
    }

    @Test
    void foldsALedgerTagThroughItsStackGroups() {
        Ledger ledger = new Ledger(CacheCatalog.NONE, SymbolResolver.NONE, 16);
        Feeder f = new Feeder(ledger);
        f.kmalloc(1, 0, 9, 0x1000, 0x77, 192).stack(1, 0, 9, 2, 3, 4);
        f.kmalloc(2, 1, 9, 0x2000, 0x77, 192).stack(2, 1, 9, 2, 3, 4);
        f.kmalloc(3, 1, 9, 0x3000, 0x77, 192);
        int site = ledger.tagId(TagKind.SITE, "0x77");
        assertEquals(List.of("[no_stack] 192", "__x64_sys_pipe2;do_pipe2;alloc_pipe_info 384"),
                CollapsedStacks.fold(CollapsedStacks.ofGroups(ledger.outstandingByStack(TagKind.SITE, site)),
                        CollapsedStacksTest::name));
    }
}
