package pooltag.core.ledger;

import pooltag.core.snapshot.Loss;

/**
 * What the ledger saw and what it could not account for. Every count here is shown in reports; none is dropped.
 *
 * @param events           events received (all types)
 * @param allocs           allocations entered into the outstanding table
 * @param frees            frees that matched an outstanding allocation
 * @param outstanding      allocations outstanding now
 * @param lostEvents       events the kernel reported lost; a loss flagged without a count adds 1 (at least one)
 * @param lossesWithoutCount how many of those loss reports had no count
 * @param skippedRecords   records read but not decodable, skipped ({@code onSkipped}); the rest of a broken page is 1
 * @param unpairedFrees    frees of an address never seen allocated (allocated before tracing, or the alloc lost)
 * @param doubleAllocs     allocations at an address already outstanding: the free in between was missed; the
 *                         older allocation is written off (its tag's live count drops, its frees do not grow)
 * @param nullFrees        {@code kfree(NULL)} and {@code kfree(ZERO_SIZE_PTR)}: ignored, counted
 * @param failedAllocs     allocations that returned NULL: ignored, counted
 * @param zeroSizeAllocs   {@code kmalloc(0)} returning ZERO_SIZE_PTR (0x10): ignored, counted
 * @param stacksAttached   stacks attached to an allocation
 * @param freeStacks       stacks that belonged to a free (matched, interned, not attached to anything)
 * @param unattachedStacks stacks with no recent event of the same pid on their CPU, or whose allocation failed,
 *                         returned ZERO_SIZE_PTR or was already freed
 * @param foldedTags       distinct cache or site names beyond the table's limits (4,096 cache tags, 1,048,576
 *                         site tags), counted into {@code [other caches]} / {@code [other sites]}; with cgroup tags
 *                         also distinct cgroups beyond 4,096 ({@code [other cgroups]}) and (cgroup, cache) or
 *                         (cgroup, site) pairs beyond 65,536 per kind ({@code [other pairs]})
 * @param evictedOutstanding outstanding allocations evicted, oldest first, to keep the table under its cap
 *                         ({@link LedgerOptions#maxOutstanding()}); written off like double allocations. Their frees,
 *                         if they come, are counted as unpaired
 * @param truncated        the stream ended early ({@code onEnd(true)})
 */
public record LedgerStats(long events, long allocs, long frees, long outstanding, long lostEvents,
                          long lossesWithoutCount, long skippedRecords, long unpairedFrees, long doubleAllocs, long nullFrees,
                          long failedAllocs, long zeroSizeAllocs, long stacksAttached, long freeStacks,
                          long unattachedStacks, long foldedTags, long evictedOutstanding, boolean truncated) {
    /** The part every snapshot and report carries. */
    public Loss loss() {
        return new Loss(lostEvents, unpairedFrees, skippedRecords, evictedOutstanding, truncated);
    }
}
