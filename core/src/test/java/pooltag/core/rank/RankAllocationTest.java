package pooltag.core.rank;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.ledger.TagPolicy;
import pooltag.core.testkit.Population;
import pooltag.core.testkit.SyntheticKernel;

/**
 * The ranking allocates per cell, group, stack and suspect, never per outstanding allocation (issue 10: it once
 * allocated 3.4 KB per outstanding allocation, resolving every group's stack frames again for every suspect and cell
 * it belonged to). Measured on {@link Population#spread}, the ledger {@code LedgerQueryBenchmark.rank} ranks, with the
 * thread's own allocation counter (exact for the calling thread, whatever else the JVM does).
 */
class RankAllocationTest {
    /** Bytes per outstanding allocation the ranking may allocate at 100,000 outstanding: measured 205 (20.5 MB), 3,430 before. */
    static final long BYTES_PER_OUTSTANDING = 400;

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** The report as text without array identities (frames print as {@code [J@hash}). */
    static String comparable(HuntReport r) {
        return r.toString().replaceAll("\\[J@[0-9a-f]+", "[J]");
    }

    @Test
    void rankingAllocatesNothingPerOutstandingAllocation() {
        int outstanding = 100_000;
        SyntheticKernel kernel = new SyntheticKernel();
        // A constructor list, as Linux's policy has one: the ranking looks for it on every stack.
        Ledger ledger = new Ledger(kernel, kernel, LedgerOptions.defaults()
                .withPolicy(new TagPolicy(Set.of(), Set.of("alloc_inode", "inode_init_always", "d_alloc")))
                .withExpectedOutstanding(outstanding));
        Population.spread(ledger, outstanding, 10_000_000_000L);
        HuntReport first = SuspectRanker.rank(ledger, List.of(), 0, RankOptions.defaults()); // classes loaded, JIT'd

        long before = allocatedBytes();
        HuntReport second = SuspectRanker.rank(ledger, List.of(), 0, RankOptions.defaults());
        long bytes = allocatedBytes() - before;

        assertTrue(comparable(first).equals(comparable(second)), "the same ledger ranks the same");
        assertTrue(second.suspects().size() > 50 && second.findings().size() > 10,
                "a ranking with substance: " + second.suspects().size() + " suspects, " + second.findings().size()
                        + " findings");
        assertTrue(bytes < BYTES_PER_OUTSTANDING * outstanding, "the ranking allocated " + bytes + " B, "
                + bytes / outstanding + " B per outstanding allocation");
    }
}
