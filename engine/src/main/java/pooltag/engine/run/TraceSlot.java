package pooltag.engine.run;

import pooltag.core.error.PooltagException;

/**
 * The one tracing session a process may hold (its tracefs instance is named after the pid), shared by the web
 * page's hit and hunt views: whichever takes it first keeps it until it releases it; the other is refused with a
 * one-line message saying what holds it.
 */
public final class TraceSlot {
    private String holder;

    /** @throws PooltagException when another view holds the slot */
    public synchronized void take(String who) {
        if (holder != null && !holder.equals(who)) {
            throw new PooltagException("the tracing session is busy: " + holder + " (one session per pooltag process)");
        }
        holder = who;
    }

    public synchronized void release(String who) {
        if (who.equals(holder)) {
            holder = null;
        }
    }
}
