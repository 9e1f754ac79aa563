package pooltag.core.ledger;

/**
 * The ledger's time: the first event's timestamp is its origin, the latest timestamp seen is "now" for ages. The
 * outstanding table stores allocation times as ticks of 2^{@value OutstandingTable#TICK_SHIFT} ns (1.048576 ms)
 * since the origin, unsigned 32 bits (they wrap after 52 days). Writer thread only.
 *
 * <p>Invariants: {@link #lastNanos()} never goes back (an event older than the latest does not move it); an event
 * older than the origin gets tick 0, so its age is at most "now" minus the origin, never negative.
 */
final class EventClock {
    private boolean started;
    private long baseNanos;
    private long lastNanos;

    /** Takes an event's timestamp into account; returns its tick. */
    int observe(long ts) {
        if (!started) {
            started = true;
            baseNanos = ts;
            lastNanos = ts;
        } else if (ts > lastNanos) {
            lastNanos = ts;
        }
        return ts <= baseNanos ? 0 : (int) ((ts - baseNanos) >>> OutstandingTable.TICK_SHIFT);
    }

    /** The latest timestamp seen, as a tick. */
    int lastTick() {
        return lastNanos <= baseNanos ? 0 : (int) ((lastNanos - baseNanos) >>> OutstandingTable.TICK_SHIFT);
    }

    /** The time a tick stands for, ns on the event clock (to about a millisecond). */
    long nanosOf(int tick) {
        return baseNanos + (Integer.toUnsignedLong(tick) << OutstandingTable.TICK_SHIFT);
    }

    /** Timestamp of the first event, ns on the event clock; 0 before any. */
    long firstNanos() {
        return baseNanos;
    }

    /** The latest event timestamp seen. */
    long lastNanos() {
        return lastNanos;
    }
}
