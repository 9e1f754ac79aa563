package pooltag.core.ledger;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Pairs allocation events with their frees and keeps, for every tag kind at once (cache, site, module, stack),
 * PoolMon's counters per pool, plus the table of allocations still outstanding with their size, time, pid, tags
 * and stack. What {@code !poolused}, PoolHitTag + {@code kb} and {@code !poolfind} show, computed from events.
 *
 * <h2>Its parts, one job each</h2>
 * <ul>
 *   <li>this class: <b>pairing</b>. An allocation enters the {@link OutstandingTable}, its free leaves it, and the
 *       tags' counters move with each ({@link TagRegistry}); what cannot be paired is counted ({@link LedgerStats});</li>
 *   <li>{@link EventTagger}: which cache and site tag an event has (names resolved once per id or call site);</li>
 *   <li>{@link StackAttacher}: which allocation a STACK event belongs to, and interning its frames;</li>
 *   <li>{@link OldestFirstEviction}: the cap on outstanding allocations ({@link LedgerOptions#maxOutstanding()});</li>
 *   <li>{@link OutstandingQueries}: {@code !poolfind}, {@code !pool}, grouping by stack, per-address probes;</li>
 *   <li>{@link SnapshotPublisher}: the frames other threads read.</li>
 * </ul>
 * A tag's pool is its cache's pool: a site that allocates from a Paged and a NonPaged cache has a row in each.
 * Page events are tagged {@code pages-<size>}; large kmallocs and slab backing pages also emit page events, so
 * summing kmalloc/slab rows with {@code pages-*} rows counts those bytes twice: feed page events only when the
 * page allocator itself is the question. Frees count against the tags of the allocation they free (as Windows
 * charges a free to the block's tag).
 *
 * <h2>Invariants of pairing</h2>
 * An address is outstanding at most once: an allocation at an outstanding address writes the older one off (a
 * double allocation: its free was missed). Written-off allocations (double allocations, evictions over the cap)
 * leave {@code live} and {@code bytes} but never count as frees, so per tag and pool
 * {@code live = allocs - frees - written off}. Address 0 (a failed allocation) and {@link #ZERO_SIZE_PTR} never
 * enter the table; their frees are ignored, and all four are counted.
 *
 * <h2>Threading</h2>
 * Single writer: {@link #onEvent}, {@link #onLoss}, {@link #onEnd}, {@link #publish}, {@link #markUntraceable}
 * and every query ({@link #outstanding}, {@link #outstandingByStack}, {@link #forEachOutstanding},
 * {@link #usage}, {@link #stats}, ...) run on the thread that drives the ledger, between events (at a batch
 * boundary, or after {@link #onEnd}). Other threads read only {@link #snapshot(TagKind)}, the frame the writer last
 * {@link #publish published}.
 *
 * <h2>Costs</h2>
 * Per event: one hash probe into the outstanding table, one primitive-map probe for the call site, an array
 * index for the cache, counter increments for three kinds; no allocation once the tables have grown. Memory: see
 * {@link OutstandingTable} ({@value OutstandingTable#BYTES_PER_SLOT} B per slot, at most 80% full: 35 B per
 * outstanding allocation at that load), bounded by the cap ({@link LedgerOptions#tableBytesFor}).
 */
public final class Ledger implements AllocEventConsumer {
    /** {@code ZERO_SIZE_PTR}: what {@code kmalloc(0)} returns and {@code kfree} ignores. */
    public static final long ZERO_SIZE_PTR = 0x10;
    /** Separates a (cgroup, tag) pair tag's tag from its cgroup: {@code filp@/kubepods/pod1}. */
    public static final char PAIR_SEPARATOR = CgroupTags.PAIR_SEPARATOR;

    private final TagPolicy policy;
    private final OutstandingTable table;
    private final EventClock clock = new EventClock();
    private final TagRegistry tags = new TagRegistry();
    private final EventTagger tagger;
    private final StackAttacher attacher;
    private final OldestFirstEviction eviction;
    private final OutstandingQueries queries;
    private final SnapshotPublisher publisher = new SnapshotPublisher();
    private final UnpairedFreeSeries unpairedByCache = new UnpairedFreeSeries();
    /**
     * Unpaired {@code kfree}s by the freed address's trailing zero bits, capped at {@link #MAX_ALIGNMENT_LOG2}: a
     * kmalloc object of size 2^k sits at a multiple of 2^k in its slab, so these bound which kmalloc caches the
     * older objects behind them can have come from.
     */
    private final UnpairedFreeSeries unpairedKfreeByAlignment = new UnpairedFreeSeries();
    static final int MAX_ALIGNMENT_LOG2 = 16;
    /** Recent growth per site for the hunt's armer; null unless {@link #trackRecentSites} asked for it. */
    private RecentSitesTracker recent;
    /**
     * The kernel task id of the tracer's own arming thread (-1: none): its allocations (the trigger filters it writes)
     * are accounted as any other, but left out of the recent-sites counts and of the ranking ({@link #tracerTask}).
     */
    private int tracerTask = -1;
    private volatile RecentSites recentPublished;
    /** {@link #writeOff} as a callback, made once so that evicting allocates nothing. */
    private final IntConsumer writeOffSlot = this::writeOff;

    private long events, allocs, frees, lostEvents, lossesWithoutCount, skippedRecords, unpairedFrees, doubleAllocs,
            nullFrees,
            failedAllocs, zeroSizeAllocs, evictedOutstanding;
    private boolean truncated;

    /** A ledger with {@link LedgerOptions#defaults()}: no tag policy, the heap-sized cap. */
    public Ledger(CacheCatalog catalog, SymbolResolver symbols) {
        this(catalog, symbols, LedgerOptions.defaults());
    }

    /** @param expectedOutstanding initial capacity of the outstanding table (it grows as needed) */
    public Ledger(CacheCatalog catalog, SymbolResolver symbols, int expectedOutstanding) {
        this(catalog, symbols, LedgerOptions.defaults().withExpectedOutstanding(expectedOutstanding));
    }

    public Ledger(CacheCatalog catalog, SymbolResolver symbols, LedgerOptions options) {
        this.policy = options.policy();
        int expected = Math.min(options.expectedOutstanding(), options.maxOutstanding());
        this.table = new OutstandingTable((int) Math.min(OutstandingTable.MAX_CAPACITY,
                (long) expected * 100 / OutstandingTable.MAX_LOAD_PERCENT + 1));
        this.tagger = new EventTagger(catalog, symbols, tags);
        this.attacher = new StackAttacher(table, tags);
        this.eviction = new OldestFirstEviction(options.maxOutstanding());
        this.queries = new OutstandingQueries(table, tags, attacher.stacks(), symbols, clock);
        for (String cache : policy.untraceableCaches()) {
            tags.caches.markUntraceable(cache);
        }
    }

    // ------------------------------------------------------------------------------------------------ pairing

    @Override
    public void onEvent(AllocEvent e) {
        events++;
        int tick = clock.observe(e.timestampNanos());
        switch (e.type()) {
            case AllocEvent.ALLOC -> onAlloc(e, tick);
            case AllocEvent.FREE -> onFree(e);
            case AllocEvent.STACK -> attacher.onStack(e);
            case AllocEvent.NEW_TASK -> {
                if (tags.cgroups != null) {
                    tags.cgroups.onNewTask(e); // who the new task's allocations belong to; no counter moves
                }
            }
            case AllocEvent.TASK_MOVE -> {
                if (tags.cgroups != null) {
                    tags.cgroups.onTaskMove(e); // its later allocations are its new cgroup's
                }
            }
            default -> {
                // Unknown types are the decoder's to count; the ledger ignores them.
            }
        }
    }

    private void onAlloc(AllocEvent e, int tick) {
        long a = e.address();
        int cpu = e.cpu();
        if (a == 0 || a == ZERO_SIZE_PTR) {
            if (a == 0) {
                failedAllocs++;
            } else {
                zeroSizeAllocs++;
            }
            attacher.remember(cpu, AllocEvent.ALLOC, e.pid(), 0, -1);
            return;
        }
        int cacheTag = tagger.cacheTag(e);
        int site = tagger.siteTag(e.callSite());
        int pool = tags.pool(cacheTag);
        long bytes = e.bytesAllocated();
        int size = bytes > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) bytes;
        OutstandingTable t = table;
        int slot = t.probe(a);
        boolean moved = false; // a removal or an eviction may move entries: the probe's empty slot is then stale
        if (slot >= 0) {
            doubleAllocs++;
            tags.stale(t.cache(slot), t.site(slot));
            writeOff(slot);
            t.remove(slot);
            moved = true;
        }
        if (eviction.full(t)) {
            evictedOutstanding += eviction.evict(t, tick, writeOffSlot);
            moved = true;
        }
        slot = moved ? t.insert(a) : t.claim(a, -1 - slot);
        t.set(slot, tick, size, e.pid(), site, cacheTag, -1);
        allocs++;
        tags.alloc(cacheTag, site, pool, size);
        CgroupTags cg = tags.cgroups;
        if (cg != null) {
            int owner = cg.ownerOf(e);
            t.setOwner(slot, owner);
            cg.alloc(owner, cacheTag, site, pool, size);
        }
        if (recent != null && e.pid() != tracerTask) {
            recent.add(site, tick, clock.lastTick());
        }
        attacher.remember(cpu, AllocEvent.ALLOC, e.pid(), a, slot);
    }

    private void onFree(AllocEvent e) {
        long a = e.address();
        attacher.remember(e.cpu(), AllocEvent.FREE, e.pid(), a, -1);
        if (a == 0 || a == ZERO_SIZE_PTR) {
            nullFrees++;
            return;
        }
        OutstandingTable t = table;
        int slot = t.find(a);
        if (slot < 0) {
            unpairedFrees++;
            if (e.cacheId() >= 0) { // a kmem_cache_free that names its cache: which cache lost an older object
                unpairedByCache.add(tagger.cacheTag(e), e.timestampNanos());
            } else if (e.source() == AllocEvent.SOURCE_KMALLOC) {
                unpairedKfreeByAlignment.add(Math.min(Long.numberOfTrailingZeros(a), MAX_ALIGNMENT_LOG2),
                        e.timestampNanos());
            }
            return;
        }
        frees++;
        int cacheTag = t.cache(slot);
        tags.free(cacheTag, t.site(slot), t.stack(slot), tags.pool(cacheTag), t.size(slot));
        if (tags.cgroups != null) {
            tags.cgroups.free(t.owner(slot), cacheTag, t.site(slot), tags.pool(cacheTag), t.size(slot));
        }
        if (recent != null && t.pid(slot) != tracerTask) {
            recent.remove(t.site(slot), t.tick(slot));
        }
        t.remove(slot);
    }

    /** The outstanding allocation at {@code slot} is written off without a free (double allocation, eviction). */
    private void writeOff(int slot) {
        OutstandingTable t = table;
        int cacheTag = t.cache(slot);
        tags.drop(cacheTag, t.site(slot), t.stack(slot), tags.pool(cacheTag), t.size(slot));
        if (tags.cgroups != null) {
            tags.cgroups.drop(t.owner(slot), cacheTag, t.site(slot), tags.pool(cacheTag), t.size(slot));
        }
        if (recent != null && t.pid(slot) != tracerTask) {
            recent.remove(t.site(slot), t.tick(slot));
        }
    }

    /**
     * Also tags every allocation by the cgroup of the task that made it ({@link TagKind#CGROUP}, and the
     * (cgroup, cache) and (cgroup, site) pairs): one more {@code int} per outstanding allocation, one resolver call
     * and two primitive-map probes per allocation. Before the first event.
     */
    public void tagByCgroup(CgroupResolver resolver) {
        if (events != 0) {
            throw new IllegalStateException("cgroup tagging must start before the first event");
        }
        table.enableOwner();
        tags.cgroups = new CgroupTags(resolver, tags);
    }

    /** True when allocations are tagged by cgroup ({@link #tagByCgroup}). */
    public boolean tracksCgroups() {
        return tags.cgroups != null;
    }

    /**
     * The tag of a cgroup kind for an allocation of cgroup tag {@code cgroup} (as an {@link OutstandingVisitor} is
     * given it), cache tag and site tag: the cgroup itself or its pair with the cache or site; -1 when the ledger
     * does not tag by cgroup or the kind is not a cgroup kind. Writer thread; at most one primitive-map probe, no
     * outstanding-table lookup.
     */
    public int cgroupTagOf(TagKind kind, int cgroup, int cacheTag, int siteTag) {
        return tags.cgroups == null || cgroup < 0 ? -1 : tags.cgroups.tagOf(kind, cgroup, cacheTag, siteTag);
    }

    /** The cgroup tag of the allocation outstanding at exactly {@code address}, or -1 (none, or no cgroup tags). */
    public int cgroupAt(long address) {
        return tags.cgroups == null ? -1 : outstandingTagAt(TagKind.CGROUP, address);
    }

    /**
     * Counted, never silent. A loss also breaks the adjacency on that CPU, so the next stack there is not
     * attached to an event from before the gap.
     */
    @Override
    public void onLoss(int cpu, long count) {
        if (count < 0) {
            lossesWithoutCount++;
            lostEvents++;
        } else {
            lostEvents += count;
        }
        attacher.forget(cpu);
    }

    /** Counted, never silent; a broken page's rest (-1) counts as one. Breaks the CPU's adjacency as a loss does. */
    @Override
    public void onSkipped(int cpu, long count) {
        skippedRecords += count < 0 ? 1 : count;
        attacher.forget(cpu);
    }

    @Override
    public void onEnd(boolean truncated) {
        this.truncated |= truncated;
    }

    public LedgerStats stats() {
        return new LedgerStats(events, allocs, frees, table.size(), lostEvents, lossesWithoutCount, skippedRecords,
                unpairedFrees,
                doubleAllocs, nullFrees, failedAllocs, zeroSizeAllocs, attacher.attached(), attacher.freeStacks(),
                attacher.unattached(), tagger.foldedTags() + (tags.cgroups == null ? 0 : tags.cgroups.foldedTags()),
                evictedOutstanding, truncated);
    }

    /** The cap on outstanding allocations this ledger keeps ({@link LedgerOptions#maxOutstanding()}). */
    public int maxOutstanding() {
        return eviction.cap();
    }

    // ------------------------------------------------------------------------------------------------ tags

    /** What the platform said about its tags when this ledger was made. */
    public TagPolicy policy() {
        return policy;
    }

    /**
     * Flags a tag whose objects are freed through paths that emit no free event ({@code kfree_rcu}, sheaves,
     * bulk frees): its outstanding allocations are suspect and the ranking discounts them. The name may be flagged
     * before the tag is first seen. The platform's known cases come with the {@link TagPolicy}. Writer thread.
     */
    public void markUntraceable(TagKind kind, String name) {
        tags.table(kind).markUntraceable(name);
    }

    /**
     * Outstanding allocations of a cache or site tag found freed without a free event: a later allocation came at
     * their address while they were outstanding. 0 for other kinds.
     */
    public long staleAllocations(TagKind kind, int tagId) {
        return kind == TagKind.CACHE || kind == TagKind.SITE ? tags.table(kind).stale[tagId] : 0;
    }

    /**
     * Frees of cache tag {@code cacheTag} that found no traced allocation (objects made before tracing began, or whose
     * allocation was lost) at or before {@code nanos} on the event clock; only frees that name their cache count
     * ({@code kmem_cache_free} from Linux 5.12 on, never {@code kfree}). Exact outside the runs of such frees, an even
     * spread within one (see {@link UnpairedFreeSeries}); {@link #unpairedFreesAtLeastBy} and
     * {@link #unpairedFreesAtMostBy} bound it.
     */
    public double unpairedFreesBy(int cacheTag, long nanos) {
        return unpairedByCache.countBy(cacheTag, nanos);
    }

    /** The fewest {@link #unpairedFreesBy} can be: exact whenever {@code nanos} falls outside a run of them. */
    public long unpairedFreesAtLeastBy(int cacheTag, long nanos) {
        return unpairedByCache.atLeastBy(cacheTag, nanos);
    }

    /** The most {@link #unpairedFreesBy} can be: exact whenever {@code nanos} falls outside a run of them. */
    public long unpairedFreesAtMostBy(int cacheTag, long nanos) {
        return unpairedByCache.atMostBy(cacheTag, nanos);
    }

    /** Every free of cache tag {@code cacheTag} so far that found no traced allocation and named its cache. */
    public long unpairedFrees(int cacheTag) {
        return unpairedByCache.total(cacheTag);
    }

    /**
     * About how many of the unpaired {@code kfree}s at or before {@code nanos} (event clock) freed objects of kmalloc
     * caches whose objects are aligned to 2^{@code alignmentLog2} bytes exactly (the object size's trailing zero bits:
     * 9 for kmalloc-512, 5 for kmalloc-96 and kmalloc-32). {@code kfree} names no cache, so this is an estimate from
     * the freed addresses, never an attribution: a cache of alignment {@code a} places its objects at {@code i * size}
     * in a slab, so half of them have exactly {@code a} trailing zero bits, a quarter {@code a + 1}, and so on. With
     * {@code n(j)} the unpaired kfrees having exactly {@code j}, the caches of alignment {@code a} freed about
     * {@code 2 n(a) - n(a - 1)}: the second term removes, in expectation, what caches of smaller alignment put into
     * {@code n(a)}, and caches of larger alignment put nothing there. Caches of equal alignment (kmalloc-64 and
     * kmalloc-192) are not told apart. At least 0.
     */
    public double kmallocOlderFreesBy(int alignmentLog2, long nanos) {
        if (alignmentLog2 <= 0 || alignmentLog2 >= MAX_ALIGNMENT_LOG2) {
            return unpairedKfreeByAlignment.countBy(Math.max(0, Math.min(alignmentLog2, MAX_ALIGNMENT_LOG2)), nanos);
        }
        return Math.max(0, 2 * unpairedKfreeByAlignment.countBy(alignmentLog2, nanos)
                - unpairedKfreeByAlignment.countBy(alignmentLog2 - 1, nanos));
    }

    public boolean isUntraceable(TagKind kind, int tagId) {
        return tags.table(kind).untraceable[tagId];
    }

    public int tagCount(TagKind kind) {
        return tags.table(kind).count;
    }

    public String tagName(TagKind kind, int tagId) {
        return tags.table(kind).names[tagId];
    }

    /** The tag's id, or -1. For stack tags whose printable hash collides, the first; see {@link #tagIds}. */
    public int tagId(TagKind kind, String name) {
        return tags.table(kind).find(name);
    }

    /** Every id of a tag name (more than one only for stack tags whose printable hashes collide). */
    public int[] tagIds(TagKind kind, String name) {
        return tags.table(kind).findAll(name);
    }

    /** The names of every tag of a kind seen so far, for {@link pooltag.core.tag.TagResolver}. */
    public List<String> tagNames(TagKind kind) {
        TagTable t = tags.table(kind);
        return List.of(Arrays.copyOf(t.names, t.count));
    }

    /** The other names merged into a cache tag's cache (from the source's catalog), empty when none. */
    public List<String> cacheAliases(int cacheTag) {
        return tags.aliases(cacheTag);
    }

    /** A cache tag's pool (a site's pool is per allocation: its cache's). */
    public Pool cachePool(int cacheTag) {
        return Pool.values()[tags.pool(cacheTag)];
    }

    /** The module tag of a site tag. */
    public int moduleOfSite(int siteTag) {
        return tags.moduleOf(siteTag);
    }

    /** Counters of one tag in one pool, as a snapshot row. */
    public TagUsage usage(TagKind kind, int tagId, Pool pool) {
        return tags.usage(kind, tagId, pool);
    }

    /** Bytes allocated by one tag in one pool since the ledger began, freed or not ({@code report}'s Bytes). */
    public long allocatedBytes(TagKind kind, int tagId, Pool pool) {
        return tags.allocatedBytes(kind, tagId, pool);
    }

    // ------------------------------------------------------------------------------------------------ stacks

    public int stackCount() {
        return attacher.stacks().size();
    }

    /** A stack's frames, innermost first (a copy). */
    public long[] stackFrames(int stackId) {
        return attacher.stacks().frames(stackId);
    }

    public String stackTag(int stackId) {
        return attacher.stacks().tag(stackId);
    }

    /** Interns frames from a source that is not an event stream (a Windows transcript); returns the stack id. */
    public int internStack(long[] frames) {
        return attacher.intern(frames);
    }

    // ------------------------------------------------------------------------------------------------ queries

    /** Timestamp of the first event, ns on the event clock; 0 before any. */
    public long firstNanos() {
        return clock.firstNanos();
    }

    /** The latest event timestamp seen: "now" for ages. */
    public long lastNanos() {
        return clock.lastNanos();
    }

    /** Bytes held by the outstanding table's arrays, and its capacity / size, for memory reports. */
    public long outstandingTableBytes() {
        return table.arrayBytes();
    }

    public int outstandingTableCapacity() {
        return table.capacity();
    }

    /** Visits every outstanding allocation, in table order. Writer thread; the visitor must not feed the ledger. */
    public void forEachOutstanding(OutstandingVisitor v) {
        queries.forEach(v);
    }

    /** The name of the function holding {@code address} (a stack frame), or null. For reports, not per event. */
    public String functionName(long address) {
        return queries.functionName(address);
    }

    /**
     * The tag of kind {@code kind} of the allocation outstanding at exactly {@code address}, or -1 when none is.
     * Writer thread; one probe of the outstanding table, no allocation (usable per event, e.g. to recognise the
     * free of a hit tag's block before it is applied).
     */
    public int outstandingTagAt(TagKind kind, long address) {
        return queries.tagAt(kind, address);
    }

    /**
     * Bytes of the allocation outstanding at exactly {@code address}, or -1 when none is. Writer thread; one probe,
     * no allocation (a tap uses it to learn the size of a block a free is about to release).
     */
    public long outstandingBytesAt(long address) {
        return queries.bytesAt(address);
    }

    /**
     * {@code !pool Address}: the outstanding allocation whose block contains {@code address}, or null. Scans the
     * table (O(capacity)); for a command, not per event.
     */
    public Outstanding outstandingContaining(long address) {
        return queries.containing(address);
    }

    /**
     * {@code !poolfind}: the outstanding allocations of a tag, oldest first, at most {@code limit}. Scans the
     * whole table (O(capacity)); meant for a command, not per event.
     */
    public List<Outstanding> outstanding(TagKind kind, int tagId, int limit) {
        return queries.of(kind, tagId, limit);
    }

    /** The outstanding allocations of a tag grouped by stack, most bytes first; {@code [no stack]} included. */
    public List<StackGroup> outstandingByStack(TagKind kind, int tagId) {
        return queries.byStack(kind, tagId);
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    /**
     * Copies the counters and the loss into an immutable frame that {@link #snapshot} readers see. Call on the
     * writer thread at batch boundaries; costs O(tags) copying, nothing per event.
     *
     * @param nowNanos the snapshot's time on the event clock (usually the batch's last timestamp)
     */
    public void publish(long nowNanos) {
        publisher.publish(nowNanos, stats().loss(), tags);
        if (recent != null && events > 0) {
            long now = clock.lastNanos();
            recentPublished = recent.frame(now, now - clock.firstNanos(), clock.lastTick(), tags.sites.names,
                    tags.sites.count, tags.sites.allocsPerTag());
        }
    }

    /**
     * The age window {@link #trackRecentSites} was given, {@code {minAgeNanos, maxAgeNanos}}; null when recent sites
     * are not tracked. A scratch ledger that must behave as this one (the merge path's warm-up) takes the same.
     */
    public long[] recentSitesWindow() {
        return recent == null ? null : new long[] {recent.minAgeNanos(), recent.maxAgeNanos()};
    }

    /**
     * Keeps, per call site, its outstanding allocations by the time they were made, so that each {@link #publish}
     * also publishes {@link #recentSites()}: the allocations made between {@code minAgeNanos} and {@code maxAgeNanos}
     * before the latest event that are still outstanding. Costs an array increment per allocation and a decrement
     * per free, nothing allocated. Writer thread, before the first event (the counts must see every allocation).
     */
    public void trackRecentSites(long minAgeNanos, long maxAgeNanos) {
        trackRecentSites(minAgeNanos, maxAgeNanos, -1);
    }

    /**
     * {@link #trackRecentSites(long, long)}, leaving out the allocations of kernel task {@code ignoredTid} (-1: none):
     * the thread that writes the armer's trigger filters allocates for each write ({@code parse_pred},
     * {@code trigger_data_alloc}) and keeps it while the trigger stands, so counted it would rise among the leaders
     * and take a stack slot from the machine's own sites. The ledger still accounts those allocations as any other.
     */
    public void trackRecentSites(long minAgeNanos, long maxAgeNanos, int ignoredTid) {
        if (events > 0) {
            throw new IllegalStateException("recent sites must be tracked from the first event");
        }
        recent = new RecentSitesTracker(minAgeNanos, maxAgeNanos);
        tracerTask = ignoredTid;
    }

    /**
     * The kernel task id given to {@link #trackRecentSites(long, long, int)} as the tracer's own arming thread, or -1.
     * Its outstanding allocations are pooltag's (a trigger's {@code parse_pred}, {@code trigger_data_alloc}), kept
     * while the trigger stands: a ranking leaves them out, a listing ({@code !poolfind}) shows them.
     */
    public int tracerTask() {
        return tracerTask;
    }

    /**
     * Names the tracer's own arming thread after the fact (-1: none): a replay learns it from the recording's RUN facts,
     * which follow the events. Not once recent sites are tracked and events came (their counts left it out or not
     * from the first event on).
     */
    public void setTracerTask(int tid) {
        if (recent != null && events > 0 && tid != tracerTask) {
            throw new IllegalStateException("the tracer's task must be set before the first event when recent sites are"
                    + " tracked");
        }
        tracerTask = tid < 0 ? -1 : tid;
    }

    /**
     * The recent growth per site as of the last {@link #publish}; any thread. Null before the first publish after an
     * event, or when {@link #trackRecentSites} was not called.
     */
    public RecentSites recentSites() {
        return recentPublished;
    }

    /**
     * The usage of one tag kind as of the last {@link #publish}: one row per (tag, pool) that saw an allocation.
     * Any thread. Null before the first publish.
     */
    public UsageSnapshot snapshot(TagKind kind) {
        return publisher.snapshot(kind);
    }
}
