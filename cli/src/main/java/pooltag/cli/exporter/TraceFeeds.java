package pooltag.cli.exporter;

import java.util.function.Supplier;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * Where {@code pooltag exporter --trace} gets its counters. To wire the ledger, make {@link #open()} start a tracing
 * session and return a supplier of the ledger's latest published snapshot: per tag and pool, {@code allocs} and
 * {@code frees} counted since the session began (never {@link pooltag.core.snapshot.TagUsage#UNKNOWN}) and
 * {@code loss} cumulative since then. The supplier is called once per scrape from the scrape thread, so it must
 * return the published snapshot (a flip), never the ledger's live state. Its {@code close} ends the session.
 */
public final class TraceFeeds {
    /** A ledger feed that owns a tracing session. */
    public interface Feed extends Supplier<UsageSnapshot>, AutoCloseable {
        @Override
        void close();
    }

    private TraceFeeds() {
    }

    /** @throws PooltagException always, in this build: the tracing ledger is not wired in yet. */
    public static Feed open() {
        throw new PooltagException("--trace is not available in this build: the tracing ledger is not wired into the"
                + " exporter yet; run 'pooltag exporter' without --trace for the procfs gauges");
    }
}
