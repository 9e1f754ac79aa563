package pooltag.core.event;

/**
 * Receives the event stream of one session in timestamp order (the per-CPU streams already merged). Called from
 * a single thread; implementations need no locks. Lifecycle: any number of {@link #onEvent} and {@link #onLoss},
 * then {@link #onEnd} once.
 */
public interface AllocEventConsumer {
    /** @param event valid only during this call */
    void onEvent(AllocEvent event);

    /**
     * Events were lost on one CPU (ring-buffer overrun or a lost-events mark in a page header).
     *
     * @param count how many, or -1 when the kernel flagged a loss without a count
     */
    void onLoss(int cpu, long count);

    /**
     * Records of the stream were read but could not be decoded, and were skipped (a record too short for its
     * format, a cache name outside its record, a page whose header or record chain is broken). Counted apart from
     * the kernel's loss: the events were delivered to pooltag, which could not use them.
     *
     * @param count how many records, or -1 for the rest of a broken page, whose records cannot be counted
     */
    default void onSkipped(int cpu, long count) {
    }

    /** The stream ended. {@code truncated} is true when it ended early (a recording cut short). */
    default void onEnd(boolean truncated) {
    }
}
