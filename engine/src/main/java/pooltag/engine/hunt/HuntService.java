package pooltag.engine.hunt;

import java.util.List;

import pooltag.core.snapshot.Loss;

/**
 * What the web page's Hunt view calls: the unattended {@code pooltag hunt} (trace, rank growing tags, keep the stacks
 * of what stays outstanding). The page draws {@link Report#outstandingStacks()} as a flame graph: width = bytes
 * still outstanding. Implementations are thread-safe and return the last published report.
 */
public interface HuntService {
    /** The last finished hunt's report, or how long the running one has run; never starts a hunt (a GET calls it). */
    Report report();

    /** Starts a hunt unless one is running (a POST with the token calls it), then answers as {@link #report()}. */
    Report start();

    /** Whether a hunt is under way. */
    boolean running();

    /**
     * @param elapsedNanos how long the hunt has run
     * @param suspects     tags ranked most suspect first
     * @param outstandingStacks outstanding allocations per distinct stack (all tags, or the top suspect's)
     * @param loss         what the ledger could not account for
     */
    record Report(long elapsedNanos, List<Suspect> suspects, List<StackBytes> outstandingStacks, Loss loss) {
    }

    /** A growing tag: bytesPerSecond is its growth rate over the hunt. */
    record Suspect(String tag, String kind, String pool, long outstanding, long bytes, double bytesPerSecond) {
    }

    /** @param frames outermost (root) first, as a flame graph stacks them ({@code entry_SYSCALL_64 ... kmalloc}) */
    record StackBytes(List<String> frames, long allocations, long bytes) {
    }
}
