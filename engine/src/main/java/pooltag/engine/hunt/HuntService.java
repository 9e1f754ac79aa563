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
     * @param verdict      the hunt's answer in one line, as {@code pooltag hunt} prints it ("No leak found: ...",
     *                     "1 leak found at or above ..."); empty before a hunt has finished
     * @param leakFound    whether any finding reached the threshold (the verdict's yes or no)
     * @param notes        what limits this ranking (loss, a short window) and why a top suspect has no stack, as the
     *                     command's "Note:" and stack-note lines
     */
    record Report(long elapsedNanos, List<Suspect> suspects, List<StackBytes> outstandingStacks, Loss loss,
                  String verdict, boolean leakFound, List<String> notes) {
        /** No answer yet: a hunt under way, or none started. */
        public static Report pending(long elapsedNanos) {
            return new Report(elapsedNanos, List.of(), List.of(), Loss.NONE, "", false, List.of());
        }
    }

    /**
     * A growing tag: bytesPerSecond is its growth rate over the hunt; confidence in [0,1] that it leaks; growsWith
     * names the cause tag of its finding when it is a consequence (else null); why says how the confidence of its
     * finding was reached (empty when unknown).
     */
    record Suspect(String tag, String kind, String pool, long outstanding, long bytes, double bytesPerSecond,
                   double confidence, String growsWith, String why) {
        public Suspect(String tag, String kind, String pool, long outstanding, long bytes, double bytesPerSecond) {
            this(tag, kind, pool, outstanding, bytes, bytesPerSecond, 0, null, "");
        }
    }

    /** @param frames outermost (root) first, as a flame graph stacks them ({@code entry_SYSCALL_64 ... kmalloc}) */
    record StackBytes(List<String> frames, long allocations, long bytes) {
    }
}
