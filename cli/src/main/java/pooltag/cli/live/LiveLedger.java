package pooltag.cli.live;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.tag.TagKind;

/**
 * The consumer a live or replayed session drives: an optional tap first (it sees each event before the ledger applies
 * it, so it can ask the ledger what a free is about to release), then the ledger. Publishes the ledger's snapshot
 * every {@link #PUBLISH_EVERY_NANOS} of event time, so {@code mon --trace}, the exporter and the web page read a
 * published frame, never live state. Runs on the session's merge thread only.
 */
public final class LiveLedger implements AllocEventConsumer {
    /** How often (in event time) views get a fresh snapshot. */
    public static final long PUBLISH_EVERY_NANOS = 250_000_000L;

    private final Ledger ledger;
    private final AllocEventConsumer tap;
    private long lastPublishNanos;
    private long lastEventNanos;

    public LiveLedger(Ledger ledger, AllocEventConsumer tap) {
        this.ledger = ledger;
        this.tap = tap;
        for (String cache : Ledger.KNOWN_UNTRACEABLE_CACHES) {
            ledger.markUntraceable(TagKind.CACHE, cache);
        }
    }

    public Ledger ledger() {
        return ledger;
    }

    @Override
    public void onEvent(AllocEvent e) {
        if (tap != null) {
            tap.onEvent(e);
        }
        ledger.onEvent(e);
        long t = e.timestampNanos();
        lastEventNanos = t;
        if (t - lastPublishNanos >= PUBLISH_EVERY_NANOS) {
            ledger.publish(t);
            lastPublishNanos = t;
        }
    }

    @Override
    public void onLoss(int cpu, long count) {
        if (tap != null) {
            tap.onLoss(cpu, count);
        }
        ledger.onLoss(cpu, count);
    }

    @Override
    public void onEnd(boolean truncated) {
        if (tap != null) {
            tap.onEnd(truncated);
        }
        ledger.onEnd(truncated);
        ledger.publish(lastEventNanos);
    }
}
