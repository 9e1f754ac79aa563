package pooltag.engine.kd;

import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagPattern;
import pooltag.engine.hit.Break;

/**
 * What the {@code pooltag kd} console debugs: the live kernel, a recording, or (in tests) a script. The console
 * owns the WinDbg syntax and the output; a target only answers in data. One console thread calls every method
 * except that {@code go}'s {@code cancelled} supplier flips from the Ctrl-C handler's thread.
 *
 * <p>Errors the user can act on (no privilege, tracefs busy, bad tag) are thrown as
 * {@link pooltag.core.error.PooltagException} with a one-line message; the console prints it and stays usable.
 *
 * <p>Units: sizes in bytes, times and ages in nanoseconds on the target's clock (CLOCK_MONOTONIC for the live
 * kernel, the recording's clock for a recording), addresses as unsigned 64-bit values in a {@code long}.
 */
public interface KdTarget extends AutoCloseable {

    /**
     * What {@code .reload} loaded.
     *
     * @param symbols         kernel symbols ({@code /proc/kallsyms} lines, modules' symbols included)
     * @param modules         loaded modules ({@code /proc/modules} lines); -1 when the kernel has no loadable
     *                        modules at all
     * @param addressesHidden true when every symbol address read as zero ({@code kptr_restrict}, not root):
     *                        stacks cannot be symbolized
     */
    record Symbols(long symbols, int modules, boolean addressesHidden) {
    }

    /**
     * One outstanding allocation the target tracked since it started.
     *
     * @param tag      the tag it is counted under
     * @param address  the block's address (the console masks it unless told otherwise)
     * @param size     bytes allocated
     * @param pool     NonPaged (unreclaimable) or Paged (reclaimable)
     * @param ageNanos how long it has been outstanding, at the moment of the query
     * @param pid      the allocating task
     * @param comm     its command name, "" when unknown
     * @param stackTag the allocation's call path as a stack tag ({@code ~3fa2c1d0}), "" when no stack was kept
     */
    record Allocation(String tag, long address, long size, Pool pool, long ageNanos, int pid, String comm,
                      String stackTag) {
        public Allocation {
            comm = comm == null ? "" : comm;
            stackTag = stackTag == null ? "" : stackTag;
        }
    }

    /**
     * The answer of {@link #poolfind}: the allocations, and what tracking missed (lost events make the list
     * incomplete; unpaired frees mean blocks allocated before tracking began). Never silently complete.
     */
    record Found(List<Allocation> allocations, Loss loss) {
        public Found {
            allocations = List.copyOf(allocations);
            loss = loss == null ? Loss.NONE : loss;
        }
    }

    /** One line naming the target, printed when an interactive console starts ({@code live kernel 6.8.0 ...}). */
    String describe();

    /**
     * A recording's health as a replay of the whole file found it (complete or cut short, skipped pages, lost
     * events): said with {@link #describe} when the console starts, as {@code report} says it. Empty for a kernel.
     */
    default Optional<pooltag.linux.recording.RecordingReader.Replay> recordingHealth() {
        return Optional.empty();
    }

    /** Rereads the kernel's symbols and modules ({@code .reload}). */
    Symbols reload();

    /**
     * Usage now, for {@code !poolused}: procfs by default; a tracing target may answer from its ledger instead
     * (then allocs and frees are known).
     */
    UsageSnapshot usage();

    /**
     * Arms the kernel-side hit on a Linux tag in {@link pooltag.engine.hit.HitTarget}'s grammar ({@code dentry},
     * {@code alloc_pipe_info}, {@code kmalloc-1k}, {@code site:pipe_*}, {@code [xfs]}), replacing any hit armed before. On failure nothing is armed
     * and the previous hit, if any, stays.
     *
     * @return "" or a note the console prints: the tag names a cache SLUB merged into another, so the hits are that
     *         cache's ({@link pooltag.engine.hit.HitTarget#mergeNote()})
     * @throws UnknownTagException when no Linux tag has the name (the console notes it and leaves the hit disarmed)
     */
    String armHit(String linuxTag);

    /** Removes every trigger and filter the hit installed. Harmless when nothing is armed. */
    void disarmHit();

    /**
     * Runs until the next allocation or free of the armed tag and returns it; or returns empty when
     * {@code cancelled} turns true (Ctrl-C) or the target has no more events (end of a recording). Implementations
     * poll {@code cancelled} at least every 100 ms. Called only while a hit is armed.
     */
    Optional<Break> go(BooleanSupplier cancelled);

    /**
     * Hits of an armed tag not kept since the target started, because the hits waiting for {@code g} were already
     * as many as a target keeps (a live kernel runs on while the console sits at the prompt). Never lost events:
     * the ledger saw every one, so {@code !poolfind} is not short of them. 0 for a target that waits for {@code g}.
     */
    default long hitsNotKept() {
        return 0;
    }

    /**
     * Outstanding allocations whose tag matches, tracked since the target started ({@code !poolfind}).
     *
     * @param pool NonPaged or Paged only, or null for both
     */
    Found poolfind(TagPattern tag, Pool pool);

    /** The tracked outstanding allocation whose block holds {@code address} ({@code !pool}). */
    Optional<Allocation> pool(long address);

    /**
     * Disarms and releases everything: every tracefs trigger, filter and instance this target made is removed.
     * Idempotent; safe from a shutdown hook while the console thread is still in {@link #go}.
     */
    @Override
    void close();
}
