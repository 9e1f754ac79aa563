package pooltag.engine.run;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.SlabCacheCatalog;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.symbols.KernelSymbolResolver;
import pooltag.linux.symbols.KernelSymbols;

/**
 * The ledger every live run and replay drives (a {@link TracingRun}, kd's targets, a replayed recording, the web
 * page's Open view): an optional tap first (it sees each event before the ledger applies
 * it, so it can ask the ledger what a free is about to release), then the ledger. Publishes the ledger's snapshot
 * every {@link #PUBLISH_EVERY_NANOS} of wall-clock time ({@link #onTick}), so {@code mon --trace}, the exporter and the web page read a
 * published frame, never live state. The ledger's options carry Linux's tag policy (caches the tracepoints cannot
 * see print '-', not a false 0) and the cap on outstanding allocations. Runs on the driving thread only (a session's merge thread, a replay's thread).
 */
public final class PublishingLedger implements AllocEventConsumer {
    /** How often (wall clock) views get a fresh snapshot. */
    public static final long PUBLISH_EVERY_NANOS = 250_000_000L;

    private final Ledger ledger;
    /** Set before the driving thread starts (its start orders the write before every read). */
    private AllocEventConsumer tap;
    private long lastPublishNanos;
    private long lastEventNanos;

    public PublishingLedger(Ledger ledger, AllocEventConsumer tap) {
        this.ledger = ledger;
        this.tap = tap;
    }

    /**
     * A ledger over a source's cache-name table: pools from {@code sysfs} (reclaimable caches are Paged), call
     * sites symbolized with {@code symbols}, with {@code options} (Linux's {@code KmemTagPolicy.ledgerOptions()}).
     */
    public static PublishingLedger over(NameTable names, SlabSysfs sysfs, KernelSymbols symbols,
                                        LedgerOptions options) {
        return new PublishingLedger(new Ledger(new SlabCacheCatalog(names, sysfs), new KernelSymbolResolver(symbols),
                options), null);
    }

    /**
     * A ledger for a recording's replay (report, hunt/find --from, kd, the web Open view: one policy): its cache
     * names, its symbols, and its pool kinds as {@link RecordingReader#slabSysfs()} decides them (the file's
     * SLAB_SYSFS block, every cache NonPaged in a file without one), never the reading machine's.
     */
    public static PublishingLedger over(RecordingReader r, LedgerOptions options) {
        return over(r.names(), r.slabSysfs(), r.symbols(), options);
    }

    /** Sets the tap (null for none); only before the driving thread starts. */
    public PublishingLedger tap(AllocEventConsumer tap) {
        this.tap = tap;
        return this;
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
        lastEventNanos = e.timestampNanos();
    }

    /**
     * Called on the merge thread between events, at least every 20 ms (see {@code TraceSession.start} with a tick):
     * publishes every {@link #PUBLISH_EVERY_NANOS} of wall-clock time. Publishing by wall clock, not by event time,
     * keeps views fresh on a quiet machine, where a burst of events can be followed by seconds of none.
     */
    public void onTick() {
        long now = System.nanoTime();
        // Not before the first event: a frame stamped 0 would make a view's first interval span the whole uptime.
        if (lastEventNanos != 0 && now - lastPublishNanos >= PUBLISH_EVERY_NANOS) {
            ledger.publish(lastEventNanos);
            lastPublishNanos = now;
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
    public void onSkipped(int cpu, long count) {
        if (tap != null) {
            tap.onSkipped(cpu, count);
        }
        ledger.onSkipped(cpu, count);
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
