package pooltag.engine.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import pooltag.core.ledger.LedgerOptions;
import pooltag.engine.run.LiveFeed;
import pooltag.linux.cgroup.PidCgroupResolver;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/**
 * Where {@code pooltag exporter --trace} gets its counters: a private tracing session feeding a ledger
 * ({@link LiveFeed}), read through the ledger's latest published snapshot: per tag and pool, {@code allocs} and
 * {@code frees} counted since the session began (never {@link TagUsage#UNKNOWN}) and {@code loss} cumulative since
 * then. Both cache tags ({@code kmalloc-cg-192}) and call-site tags ({@code alloc_pipe_info}) are fed; the
 * {@code kind} label tells them apart and {@link TopTags} bounds the series. The supplier is called once per scrape
 * from the scrape thread and returns the published snapshot (a flip), never the ledger's live state. Its
 * {@code close} ends the session and removes the tracefs instance.
 */
public final class TraceFeeds {
    /** A ledger feed that owns a tracing session. */
    public interface Feed extends Supplier<UsageSnapshot>, AutoCloseable {
        @Override
        void close();

        /** The published (cgroup, cache) pairs, or null when the feed does not tag by cgroup. */
        default Supplier<UsageSnapshot> cgroupPairs() {
            return null;
        }
    }

    private TraceFeeds() {
    }

    /** Starts tracing all kmem events of this kernel (needs root); the first scrapes may see no tags yet. */
    public static Feed open() {
        return open(KmemTagPolicy.ledgerOptions(), false, TraceConfig.kmem());
    }

    /**
     * As {@link #open()}, with the ledger's options (Linux's tag policy, the cap on outstanding allocations).
     *
     * @param byCgroup also tag allocations by the allocating task's cgroup (see {@link Feed#cgroupPairs()})
     * @param config   the trace settings (the command's buffer options)
     */
    public static Feed open(LedgerOptions options, boolean byCgroup, TraceConfig config) {
        return new LedgerFeed(LiveFeed.open(KernelSymbols.load(), config, options,
                byCgroup ? PidCgroupResolver.live() : null, "pooltag-exporter-trace"), byCgroup);
    }

    /** Cache and site rows of one published frame (both kinds are copied by the same publish, with one loss). */
    static UsageSnapshot cachesAndSites(UsageSnapshot caches, UsageSnapshot sites) {
        if (caches == null || sites == null) {
            // Before the first publish: no tags and no loss yet (counters start at zero, which is the truth).
            return new UsageSnapshot(System.nanoTime(), "ledger (no events yet)", List.of(), Loss.NONE);
        }
        List<TagUsage> rows = new ArrayList<>(caches.rows().size() + sites.rows().size());
        rows.addAll(caches.rows());
        rows.addAll(sites.rows());
        return new UsageSnapshot(caches.takenAtNanos(), "ledger (cache and site tags from allocation events)", rows,
                caches.loss());
    }

    private static final class LedgerFeed implements Feed {
        private final LiveFeed live;
        private final boolean byCgroup;

        LedgerFeed(LiveFeed live, boolean byCgroup) {
            this.live = live;
            this.byCgroup = byCgroup;
        }

        @Override
        public Supplier<UsageSnapshot> cgroupPairs() {
            return byCgroup ? () -> live.snapshot(TagKind.CGROUP_CACHE) : null;
        }

        @Override
        public UsageSnapshot get() {
            // Two reads may straddle a publish; the site frame is then at most one publish (250 ms) newer.
            return cachesAndSites(live.snapshot(TagKind.CACHE), live.snapshot(TagKind.SITE));
        }

        @Override
        public void close() {
            live.close();
        }
    }
}
