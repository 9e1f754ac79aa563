package pooltag.core.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Pairs allocation events with their frees and keeps, for every tag kind at once (cache, site, module, stack),
 * PoolMon's counters per pool, plus the table of allocations still outstanding with their size, time, pid, tags
 * and stack. What {@code !poolused}, PoolHitTag + {@code kb} and {@code !poolfind} show, computed from events.
 *
 * <h2>Feeding it</h2>
 * Give it the source's {@link CacheCatalog} (cache id → name, pool) and a {@link SymbolResolver}, then hand it the
 * merged event stream ({@link #onEvent}, {@link #onLoss}, {@link #onEnd}). Tags:
 * <ul>
 *   <li>cache: the event's cache id; for kmalloc (cache id -1) the size class {@code kmalloc-<bytes_alloc>}
 *       ({@code kmalloc-1k} for whole KiB, as slabinfo spells it), {@code kmalloc-cg-}, {@code kmalloc-rcl-}
 *       (Paged) or {@code dma-kmalloc-} by the GFP bits in {@link Gfp}; page events {@code pages-<size>};
 *       percpu {@code percpu}; events with no cache and another source {@code [untagged]};</li>
 *   <li>site: the function containing the call site (via the resolver, once per distinct call site; unresolved
 *       sites are named by their address, {@code 0xffffffff81234567}); call site 0 is {@code [no call site]};</li>
 *   <li>module: the site's module; stack: the attached stack ({@code ~3fa2c1d0}), for allocations that have one.</li>
 * </ul>
 * A tag's pool is its cache's pool: a site that allocates from a Paged and a NonPaged cache has a row in each.
 * Page events are tagged {@code pages-<size>}; large kmallocs and slab backing pages also emit page events, so
 * summing kmalloc/slab rows with {@code pages-*} rows counts those bytes twice: feed page events only when the
 * page allocator itself is the question.
 * Frees count against the tags of the allocation they free (as Windows charges a free to the block's tag).
 *
 * <h2>Threading</h2>
 * Single writer: {@link #onEvent}, {@link #onLoss}, {@link #onEnd}, {@link #publish}, {@link #markUntraceable}
 * and every query ({@link #outstanding}, {@link #outstandingByStack}, {@link #forEachOutstanding},
 * {@link #usage}, {@link #stats}, ...) run on the thread that drives the ledger, between events (at a batch
 * boundary, or after {@link #onEnd}). Other threads read only {@link #snapshot(TagKind)}: the writer calls
 * {@link #publish} at batch boundaries, which copies the counters (O(tags), never per event) into an immutable
 * frame behind a volatile reference, as HdrHistogram's Recorder flips its interval histogram; readers never see
 * live state and never block the writer.
 *
 * <h2>Costs</h2>
 * Per event: one hash probe into the outstanding table, one primitive-map probe for the call site, an array
 * index for the cache, counter increments for three kinds; no allocation once the tables have grown. Memory: see
 * {@link OutstandingTable} ({@value OutstandingTable#BYTES_PER_SLOT} B per slot, at most 80% full: 35 B per
 * outstanding allocation at that load).
 */
public final class Ledger implements AllocEventConsumer {
    /** {@code ZERO_SIZE_PTR}: what {@code kmalloc(0)} returns and {@code kfree} ignores. */
    public static final long ZERO_SIZE_PTR = 0x10;
    /**
     * Caches known to free through paths that emit no free event ({@code kfree_rcu}, sheaves, bulk frees), seen on
     * Linux 6.18: {@code maple_node} showed 12,118 allocations and 0 frees in one run. Pass each to
     * {@link #markUntraceable} at the start of a session.
     */
    // maple_node: freed through kfree_rcu and bulk frees, no free event per object. vmap_area: freed lazily, in
    // batches, when enough vmalloc space is waiting to be purged; seconds-long hunts see only its growth.
    public static final List<String> KNOWN_UNTRACEABLE_CACHES = List.of("maple_node", "vmap_area");

    /**
     * Functions that construct reclaimable objects (inodes, dentries). What they allocate on the way (LSM blobs,
     * names) lives and dies with the object, so it grows under a file scan as the Paged caches do, even when its own
     * cache is not reclaimable.
     */
    public static final java.util.Set<String> RECLAIMABLE_CONSTRUCTORS = java.util.Set.of("alloc_inode",
            "inode_init_always", "inode_init_always_gfp", "__d_alloc", "d_alloc", "d_alloc_parallel");
    /** How many recent events per CPU a STACK event may reach back over to find its event (same pid). */
    static final int RING = 4;
    private static final int TYPE_NONE = 0;
    /** Where cache tags beyond {@link OutstandingTable#MAX_CACHE_TAGS} go (NonPaged, whatever their pool). */
    static final String OTHER_CACHES = "[other caches]";
    /** Where site tags beyond {@link OutstandingTable#MAX_SITE_TAGS} go. */
    static final String OTHER_SITES = "[other sites]";
    private static final int KMALLOC_DIRECT_MAX = 8192;
    private static final int KMALLOC_DIRECT_SLOTS = KMALLOC_DIRECT_MAX / 8 + 1;
    private static final int VARIANT_PAGE = 4;

    private final CacheCatalog catalog;
    private final SymbolResolver symbols;
    private final OutstandingTable table;
    private final StackTable stacks = new StackTable();

    private final TagTable caches = new TagTable();
    private final TagTable sites = new TagTable();
    private final TagTable modules = new TagTable();
    private final TagTable stackTags = new TagTable();
    /** Pool ordinal per cache tag. */
    private byte[] cachePool = new byte[64];
    /** Module tag per site tag. */
    private int[] siteModule = new int[64];

    /** Cache tag per source cache id, -1 = not yet seen. */
    private int[] cacheIdTag = new int[0];
    /** Cache tag per (kmalloc variant, bytes / 8) for bytes <= 8 KiB and multiples of 8; -1 = not yet seen. */
    private final int[] kmallocDirect = new int[4 * KMALLOC_DIRECT_SLOTS];
    /** Cache tag per (variant << 56 | bytes) for the other sizes and for page events. */
    private final LongIntMap sizeTags = new LongIntMap(64);
    private final LongIntMap siteByCallSite = new LongIntMap(1024);
    private final LongIntMap siteByFunction = new LongIntMap(1024);
    private int percpuTag = -1;
    private int untaggedTag = -1;

    // Per-CPU ring of the last RING allocs/frees, for attaching STACK events. Index cpu * RING + k.
    private int[] ringType = new int[0];
    private int[] ringPid = new int[0];
    private long[] ringAddr = new long[0];
    private int[] ringSlot = new int[0];
    private int[] ringHead = new int[0];

    private boolean started;
    private long baseNanos;
    private long lastNanos;

    private long events, allocs, frees, lostEvents, lossesWithoutCount, unpairedFrees, doubleAllocs, nullFrees,
            failedAllocs, zeroSizeAllocs, stacksAttached, freeStacks, unattachedStacks, foldedTags;
    private boolean truncated;

    private volatile Frame published;

    public Ledger(CacheCatalog catalog, SymbolResolver symbols) {
        this(catalog, symbols, 1 << 16);
    }

    /** @param expectedOutstanding initial capacity of the outstanding table (it grows as needed) */
    public Ledger(CacheCatalog catalog, SymbolResolver symbols, int expectedOutstanding) {
        this.catalog = catalog;
        this.symbols = symbols;
        this.table = new OutstandingTable((int) Math.min(1 << 30,
                (long) expectedOutstanding * 100 / OutstandingTable.MAX_LOAD_PERCENT + 1));
        Arrays.fill(kmallocDirect, -1);
    }

    // ------------------------------------------------------------------------------------------------ events

    @Override
    public void onEvent(AllocEvent e) {
        events++;
        long ts = e.timestampNanos();
        if (!started) {
            started = true;
            baseNanos = ts;
            lastNanos = ts;
        } else if (ts > lastNanos) {
            lastNanos = ts;
        }
        switch (e.type()) {
            case AllocEvent.ALLOC -> onAlloc(e, ts);
            case AllocEvent.FREE -> onFree(e);
            case AllocEvent.STACK -> onStack(e);
            default -> {
                // Unknown types are the decoder's to count; the ledger ignores them.
            }
        }
    }

    private void onAlloc(AllocEvent e, long ts) {
        long a = e.address();
        int cpu = e.cpu();
        if (a == 0) {
            failedAllocs++;
            remember(cpu, AllocEvent.ALLOC, e.pid(), 0, -1);
            return;
        }
        if (a == ZERO_SIZE_PTR) {
            zeroSizeAllocs++;
            remember(cpu, AllocEvent.ALLOC, e.pid(), 0, -1);
            return;
        }
        int cacheTag = cacheTagOf(e);
        int site = siteOf(e.callSite());
        int pool = cachePool[cacheTag];
        long bytes = e.bytesAllocated();
        int size = bytes > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) bytes;
        OutstandingTable t = table;
        int slot = t.find(a);
        if (slot >= 0) {
            doubleAllocs++;
            writeOff(slot);
            t.remove(slot);
        }
        slot = t.insert(a);
        t.set(slot, ts <= baseNanos ? 0 : (int) ((ts - baseNanos) >>> OutstandingTable.TICK_SHIFT), size, e.pid(),
                site, cacheTag, -1);
        allocs++;
        caches.alloc(cacheTag, pool, size);
        sites.alloc(site, pool, size);
        modules.alloc(siteModule[site], pool, size);
        remember(cpu, AllocEvent.ALLOC, e.pid(), a, slot);
    }

    private void onFree(AllocEvent e) {
        long a = e.address();
        int cpu = e.cpu();
        remember(cpu, AllocEvent.FREE, e.pid(), a, -1);
        if (a == 0 || a == ZERO_SIZE_PTR) {
            nullFrees++;
            return;
        }
        OutstandingTable t = table;
        int slot = t.find(a);
        if (slot < 0) {
            unpairedFrees++;
            return;
        }
        frees++;
        int cacheTag = t.cache(slot);
        int pool = cachePool[cacheTag];
        int size = t.size(slot);
        int site = t.site(slot);
        caches.free(cacheTag, pool, size);
        sites.free(site, pool, size);
        modules.free(siteModule[site], pool, size);
        int stack = t.stack(slot);
        if (stack >= 0) {
            stackTags.free(stack, pool, size);
        }
        t.remove(slot);
    }

    /** The outstanding allocation at {@code slot} is written off without a free (a double allocation). */
    private void writeOff(int slot) {
        OutstandingTable t = table;
        int cacheTag = t.cache(slot);
        int pool = cachePool[cacheTag];
        int size = t.size(slot);
        int site = t.site(slot);
        caches.drop(cacheTag, pool, size);
        sites.drop(site, pool, size);
        modules.drop(siteModule[site], pool, size);
        if (t.stack(slot) >= 0) {
            stackTags.drop(t.stack(slot), pool, size);
        }
    }

    /**
     * Attaches a stack to the newest event on the same CPU with the same pid among the last {@value #RING}:
     * the stacktrace trigger writes the stack right after its event, but an interrupt's event may slip in
     * between. An interrupt that runs with the same pid as the task it interrupted cannot be told apart
     * (the event view carries no irq flag); its stack would then go to the newer event.
     */
    private void onStack(AllocEvent e) {
        int cpu = e.cpu();
        if (cpu >= ringHead.length) {
            unattachedStacks++;
            return;
        }
        int pid = e.pid();
        int head = ringHead[cpu];
        int base = cpu * RING;
        for (int k = 1; k <= RING; k++) {
            int r = base + ((head - k) & (RING - 1));
            int type = ringType[r];
            if (type == TYPE_NONE || ringPid[r] != pid) {
                continue;
            }
            ringType[r] = TYPE_NONE;
            long a = ringAddr[r];
            if (type == AllocEvent.FREE) {
                internStack(e);
                freeStacks++;
                return;
            }
            int slot = ringSlot[r];
            if (a == 0) {
                // The stack of a failed or zero-size allocation: nothing outstanding to attach it to.
                internStack(e);
                unattachedStacks++;
                return;
            }
            if (slot < 0 || table.address(slot) != a) {
                slot = table.find(a); // a removal since may have shifted it
            }
            if (slot < 0) {
                unattachedStacks++;
                return;
            }
            int id = internStack(e);
            OutstandingTable t = table;
            t.setStack(slot, id);
            stackTags.alloc(id, cachePool[t.cache(slot)], t.size(slot));
            stacksAttached++;
            return;
        }
        unattachedStacks++;
    }

    private int internStack(AllocEvent e) {
        int before = stacks.size();
        int id = stacks.intern(e);
        if (id == before) {
            // New stack: its tag gets the same dense id (stacks and stack tags grow together).
            stackTags.add(stacks.tag(id));
        }
        return id;
    }

    private void remember(int cpu, int type, int pid, long addr, int slot) {
        if (cpu >= ringHead.length) {
            growRing(cpu);
        }
        int head = ringHead[cpu];
        int r = cpu * RING + head;
        ringType[r] = type;
        ringPid[r] = pid;
        ringAddr[r] = addr;
        ringSlot[r] = slot;
        ringHead[cpu] = (head + 1) & (RING - 1);
    }

    private void growRing(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("negative cpu " + cpu);
        }
        int cpus = Math.max(cpu + 1, ringHead.length * 2);
        ringType = Arrays.copyOf(ringType, cpus * RING);
        ringPid = Arrays.copyOf(ringPid, cpus * RING);
        ringAddr = Arrays.copyOf(ringAddr, cpus * RING);
        ringSlot = Arrays.copyOf(ringSlot, cpus * RING);
        ringHead = Arrays.copyOf(ringHead, cpus);
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
        if (cpu >= 0 && cpu < ringHead.length) {
            Arrays.fill(ringType, cpu * RING, cpu * RING + RING, TYPE_NONE);
        }
    }

    @Override
    public void onEnd(boolean truncated) {
        this.truncated |= truncated;
    }

    // ------------------------------------------------------------------------------------------------ tags

    private int cacheTagOf(AllocEvent e) {
        int id = e.cacheId();
        if (id >= 0) {
            if (id < cacheIdTag.length) {
                int t = cacheIdTag[id];
                if (t >= 0) {
                    return t;
                }
            }
            return newCacheId(id);
        }
        int src = e.source();
        if (src == AllocEvent.SOURCE_KMALLOC) {
            return kmallocTag(Gfp.kmallocVariant(e.gfpFlags()), e.bytesAllocated());
        }
        if (src == AllocEvent.SOURCE_PAGE) {
            return sizeTag(VARIANT_PAGE, e.bytesAllocated());
        }
        if (src == AllocEvent.SOURCE_PERCPU) {
            if (percpuTag < 0) {
                percpuTag = newCacheTag("percpu", Pool.NONPAGED);
            }
            return percpuTag;
        }
        if (untaggedTag < 0) {
            untaggedTag = newCacheTag("[untagged]", Pool.NONPAGED);
        }
        return untaggedTag;
    }

    private int kmallocTag(int variant, long bytes) {
        if (bytes <= KMALLOC_DIRECT_MAX && bytes >= 0 && (bytes & 7) == 0) {
            int i = variant * KMALLOC_DIRECT_SLOTS + (int) (bytes >>> 3);
            int t = kmallocDirect[i];
            if (t < 0) {
                t = sizeTag(variant, bytes);
                kmallocDirect[i] = t;
            }
            return t;
        }
        return sizeTag(variant, bytes);
    }

    private int sizeTag(int variant, long bytes) {
        long key = ((long) variant << 56) | (bytes & 0x00ff_ffff_ffff_ffffL);
        int t = sizeTags.get(key);
        if (t == LongIntMap.MISSING) {
            String name;
            Pool pool = Pool.NONPAGED;
            if (variant == VARIANT_PAGE) {
                name = "pages-" + (bytes >= 1024 && bytes % 1024 == 0 ? (bytes / 1024) + "k" : Long.toString(bytes));
            } else {
                name = Gfp.kmallocName(variant, bytes);
                if (variant == Gfp.RCL) {
                    pool = Pool.PAGED; // kmalloc-rcl-* caches are created SLAB_RECLAIM_ACCOUNT
                }
            }
            t = newCacheTag(name, pool);
            sizeTags.put(key, t);
        }
        return t;
    }

    private int newCacheId(int cacheId) {
        if (cacheId >= cacheIdTag.length) {
            int old = cacheIdTag.length;
            cacheIdTag = Arrays.copyOf(cacheIdTag, Math.max(cacheId + 1, old * 2 + 16));
            Arrays.fill(cacheIdTag, old, cacheIdTag.length, -1);
        }
        String name = catalog.name(cacheId);
        if (name == null) {
            name = "cache#" + cacheId;
        }
        Pool pool = catalog.pool(cacheId);
        int t = newCacheTag(name, pool == null ? Pool.NONPAGED : pool);
        cacheIdTag[cacheId] = t;
        return t;
    }

    /** Merged caches and size classes reached by two routes share one tag: the name decides. */
    private int newCacheTag(String name, Pool pool) {
        int existing = caches.find(name);
        if (existing >= 0) {
            return existing;
        }
        if (caches.count >= OutstandingTable.MAX_CACHE_TAGS - 1) {
            // The table stores cache tags in 12 bits: the rest share one tag, counted, never dropped.
            foldedTags++;
            int other = caches.find(OTHER_CACHES);
            return other >= 0 ? other : addCacheTag(OTHER_CACHES, Pool.NONPAGED);
        }
        return addCacheTag(name, pool);
    }

    private int addCacheTag(String name, Pool pool) {
        int t = caches.add(name);
        if (t >= cachePool.length) {
            cachePool = Arrays.copyOf(cachePool, cachePool.length * 2);
        }
        cachePool[t] = (byte) pool.ordinal();
        return t;
    }

    private int siteOf(long callSite) {
        int t = siteByCallSite.get(callSite);
        if (t != LongIntMap.MISSING) {
            return t;
        }
        t = newSite(callSite);
        siteByCallSite.put(callSite, t);
        return t;
    }

    private int newSite(long callSite) {
        if (callSite == 0) {
            return newSiteTag("[no call site]", "[unknown]");
        }
        long fn = symbols.functionStart(callSite);
        String name = null;
        String module = null;
        if (fn != 0) {
            int t = siteByFunction.get(fn);
            if (t != LongIntMap.MISSING) {
                return t;
            }
            name = symbols.name(fn);
            module = symbols.module(fn);
        } else {
            fn = callSite;
        }
        if (name == null) {
            name = "0x" + Long.toHexString(callSite);
        }
        int t = newSiteTag(name, module == null ? "[unknown]" : module);
        siteByFunction.put(fn, t);
        return t;
    }

    /** Two functions with one name (static functions in two modules) share the tag; the first's module stays. */
    private int newSiteTag(String name, String module) {
        if (sites.find(name) < 0 && sites.count >= OutstandingTable.MAX_SITE_TAGS - 1) {
            // The table stores site tags in 20 bits: the rest share one tag, counted, never dropped.
            foldedTags++;
            name = OTHER_SITES;
            module = "[unknown]";
        }
        int before = sites.count;
        int t = sites.intern(name);
        if (t == before) {
            if (t >= siteModule.length) {
                siteModule = Arrays.copyOf(siteModule, siteModule.length * 2);
            }
            siteModule[t] = modules.intern(module);
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------------ admin

    /**
     * Flags a tag whose objects are freed through paths that emit no free event ({@code kfree_rcu}, sheaves,
     * bulk frees; {@code maple_node} is the known case): its outstanding allocations are suspect and the ranking
     * discounts them. The name may be flagged before the tag is first seen. Writer thread.
     */
    public void markUntraceable(TagKind kind, String name) {
        tags(kind).markUntraceable(name);
    }

    public boolean isUntraceable(TagKind kind, int tagId) {
        return tags(kind).untraceable[tagId];
    }

    private TagTable tags(TagKind kind) {
        return switch (kind) {
            case CACHE -> caches;
            case SITE -> sites;
            case MODULE -> modules;
            case STACK -> stackTags;
            default -> throw new IllegalArgumentException("the ledger has no " + kind.label() + " tags");
        };
    }

    // ------------------------------------------------------------------------------------------------ queries

    public int tagCount(TagKind kind) {
        return tags(kind).count;
    }

    public String tagName(TagKind kind, int tagId) {
        return tags(kind).names[tagId];
    }

    /** The tag's id, or -1. For stack tags whose printable hash collides, the first; see {@link #tagIds}. */
    public int tagId(TagKind kind, String name) {
        return tags(kind).find(name);
    }

    /** Every id of a tag name (more than one only for stack tags whose printable hashes collide). */
    public int[] tagIds(TagKind kind, String name) {
        return tags(kind).findAll(name);
    }

    /** The names of every tag of a kind seen so far, for {@link pooltag.core.tag.TagResolver}. */
    public List<String> tagNames(TagKind kind) {
        TagTable t = tags(kind);
        return List.of(Arrays.copyOf(t.names, t.count));
    }

    /** A cache tag's pool (a site's pool is per allocation: its cache's). */
    public Pool cachePool(int cacheTag) {
        return Pool.values()[cachePool[cacheTag]];
    }

    /** The module tag of a site tag. */
    public int moduleOfSite(int siteTag) {
        return siteModule[siteTag];
    }

    /** Counters of one tag in one pool, as a snapshot row. */
    public TagUsage usage(TagKind kind, int tagId, Pool pool) {
        TagTable t = tags(kind);
        int c = tagId * TagTable.POOLS + pool.ordinal();
        return new TagUsage(t.names[tagId], kind, pool, t.allocs[c], t.frees[c], t.live[c], t.bytes[c],
                description(kind, tagId));
    }

    private String description(TagKind kind, int tagId) {
        return kind == TagKind.SITE ? modules.names[siteModule[tagId]] : "";
    }

    public LedgerStats stats() {
        return new LedgerStats(events, allocs, frees, table.size(), lostEvents, lossesWithoutCount, unpairedFrees,
                doubleAllocs, nullFrees, failedAllocs, zeroSizeAllocs, stacksAttached, freeStacks,
                unattachedStacks, foldedTags, truncated);
    }

    /** Timestamp of the first event, ns on the event clock; 0 before any. */
    public long firstNanos() {
        return baseNanos;
    }

    /** The latest event timestamp seen: "now" for ages. */
    public long lastNanos() {
        return lastNanos;
    }

    /** Bytes held by the outstanding table's arrays, and its capacity / size, for memory reports. */
    public long outstandingTableBytes() {
        return table.arrayBytes();
    }

    public int outstandingTableCapacity() {
        return table.capacity();
    }

    public int stackCount() {
        return stacks.size();
    }

    /** A stack's frames, innermost first (a copy). */
    public long[] stackFrames(int stackId) {
        return stacks.frames(stackId);
    }

    public String stackTag(int stackId) {
        return stacks.tag(stackId);
    }

    /** Interns frames from a source that is not an event stream (a Windows transcript); returns the stack id. */
    public int internStack(long[] frames) {
        int before = stacks.size();
        int id = stacks.intern(frames, frames.length);
        if (id == before) {
            stackTags.add(stacks.tag(id));
        }
        return id;
    }

    /** Visits every outstanding allocation, in table order. Writer thread; the visitor must not feed the ledger. */
    public void forEachOutstanding(OutstandingVisitor v) {
        OutstandingTable t = table;
        long[] addr = t.addr;
        for (int s = 0; s < addr.length; s++) {
            long a = addr[s];
            if (a != 0) {
                v.visit(a, t.size(s), allocNanos(t.tick(s)), t.pid(s), t.cache(s), t.site(s), t.stack(s),
                        cachePool[t.cache(s)]);
            }
        }
    }

    /** The name of the function holding {@code address} (a stack frame), or null. For reports, not per event. */
    public String functionName(long address) {
        long fn = symbols.functionStart(address);
        return fn == 0 ? null : symbols.name(fn);
    }

    /**
     * True when a frame of the stack, past the first {@code skip} (the allocator and the call site), is in one of
     * {@code functions}. Resolves each frame through the symbol resolver: for reports, not per event.
     */
    public boolean stackPassesThrough(int stackId, java.util.Set<String> functions, int skip) {
        if (stackId < 0) {
            return false;
        }
        long[] frames = stackFrames(stackId);
        for (int i = skip; i < frames.length; i++) {
            long fn = symbols.functionStart(frames[i]);
            String name = fn == 0 ? null : symbols.name(fn);
            if (name != null && functions.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The tag of kind {@code kind} of the allocation outstanding at exactly {@code address}, or -1 when none is.
     * Writer thread; one probe of the outstanding table, no allocation (usable per event, e.g. to recognise the
     * free of a hit tag's block before it is applied).
     */
    public int outstandingTagAt(TagKind kind, long address) {
        int slot = table.find(address);
        if (slot < 0) {
            return -1;
        }
        return switch (kind) {
            case CACHE -> table.cache(slot);
            case SITE -> table.site(slot);
            case MODULE -> siteModule[table.site(slot)];
            case STACK -> table.stack(slot);
            default -> -1;
        };
    }

    /**
     * Bytes of the allocation outstanding at exactly {@code address}, or -1 when none is. Writer thread; one probe,
     * no allocation (a tap uses it to learn the size of a block a free is about to release).
     */
    public long outstandingBytesAt(long address) {
        int slot = table.find(address);
        return slot < 0 ? -1 : Integer.toUnsignedLong(table.size(slot));
    }

    /**
     * {@code !pool Address}: the outstanding allocation whose block contains {@code address}, or null. Scans the
     * table (O(capacity)); for a command, not per event.
     */
    public Outstanding outstandingContaining(long address) {
        tags(TagKind.CACHE);
        tags(TagKind.SITE);
        OutstandingTable t = table;
        for (int s = 0; s < t.capacity(); s++) {
            long a = t.address(s);
            if (a != 0 && Long.compareUnsigned(address, a) >= 0
                    && Long.compareUnsigned(address, a + Integer.toUnsignedLong(t.size(s))) < 0) {
                return outstandingAt(s);
            }
        }
        return null;
    }

    private long allocNanos(int tick) {
        return baseNanos + (Integer.toUnsignedLong(tick) << OutstandingTable.TICK_SHIFT);
    }

    private boolean matches(TagKind kind, int tagId, int slot) {
        OutstandingTable t = table;
        return switch (kind) {
            case CACHE -> t.cache(slot) == tagId;
            case SITE -> t.site(slot) == tagId;
            case MODULE -> siteModule[t.site(slot)] == tagId;
            case STACK -> t.stack(slot) == tagId;
            default -> false;
        };
    }

    /**
     * {@code !poolfind}: the outstanding allocations of a tag, oldest first, at most {@code limit}. Scans the
     * whole table (O(capacity)); meant for a command, not per event.
     */
    public List<Outstanding> outstanding(TagKind kind, int tagId, int limit) {
        tags(kind);
        OutstandingTable t = table;
        List<Integer> slots = new ArrayList<>();
        for (int s = 0; s < t.capacity(); s++) {
            if (t.address(s) != 0 && matches(kind, tagId, s)) {
                slots.add(s);
            }
        }
        slots.sort(Comparator.comparingLong((Integer s) -> Integer.toUnsignedLong(t.tick(s)))
                .thenComparingLong(s -> t.address(s)));
        List<Outstanding> out = new ArrayList<>(Math.min(limit, slots.size()));
        for (int s : slots) {
            if (out.size() >= limit) {
                break;
            }
            out.add(outstandingAt(s));
        }
        return out;
    }

    private Outstanding outstandingAt(int s) {
        OutstandingTable t = table;
        long at = allocNanos(t.tick(s));
        return new Outstanding(t.address(s), t.size(s), at, Math.max(0, lastNanos - at), t.pid(s),
                cachePool(t.cache(s)), caches.names[t.cache(s)], sites.names[t.site(s)], t.stack(s));
    }

    /** The outstanding allocations of a tag grouped by stack, most bytes first; {@code [no stack]} included. */
    public List<StackGroup> outstandingByStack(TagKind kind, int tagId) {
        tags(kind);
        OutstandingTable t = table;
        Map<Integer, long[]> groups = new HashMap<>();
        for (int s = 0; s < t.capacity(); s++) {
            if (t.address(s) != 0 && matches(kind, tagId, s)) {
                long[] g = groups.computeIfAbsent(t.stack(s), k -> new long[2]);
                g[0]++;
                g[1] += t.size(s);
            }
        }
        List<StackGroup> out = new ArrayList<>(groups.size());
        for (Map.Entry<Integer, long[]> e : groups.entrySet()) {
            int id = e.getKey();
            out.add(id < 0 ? new StackGroup(-1, "[no stack]", e.getValue()[0], e.getValue()[1], new long[0])
                    : new StackGroup(id, stacks.tag(id), e.getValue()[0], e.getValue()[1], stacks.frames(id)));
        }
        out.sort(Comparator.comparingLong(StackGroup::bytes).reversed().thenComparing(StackGroup::tag));
        return out;
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    /**
     * Copies the counters into an immutable frame that {@link #snapshot} readers see. Call on the writer thread
     * at batch boundaries; costs O(tags) copying and allocates a few arrays per call, nothing per event.
     *
     * @param nowNanos the snapshot's time on the event clock (usually the batch's last timestamp)
     */
    public void publish(long nowNanos) {
        published = new Frame(nowNanos, stats().loss(), copy(caches, TagKind.CACHE), copy(sites, TagKind.SITE),
                copy(modules, TagKind.MODULE), copy(stackTags, TagKind.STACK));
    }

    private KindFrame copy(TagTable t, TagKind kind) {
        int n = t.count;
        String[] desc = new String[n];
        for (int i = 0; i < n; i++) {
            desc[i] = description(kind, i);
        }
        return new KindFrame(kind, Arrays.copyOf(t.names, n), desc, Arrays.copyOf(t.allocs, n * TagTable.POOLS),
                Arrays.copyOf(t.frees, n * TagTable.POOLS), Arrays.copyOf(t.live, n * TagTable.POOLS),
                Arrays.copyOf(t.bytes, n * TagTable.POOLS));
    }

    /**
     * The usage of one tag kind as of the last {@link #publish}: one row per (tag, pool) that saw an allocation.
     * Any thread. Null before the first publish.
     */
    public UsageSnapshot snapshot(TagKind kind) {
        Frame f = published;
        if (f == null) {
            return null;
        }
        KindFrame k = switch (kind) {
            case CACHE -> f.caches;
            case SITE -> f.sites;
            case MODULE -> f.modules;
            case STACK -> f.stacks;
            default -> throw new IllegalArgumentException("the ledger has no " + kind.label() + " tags");
        };
        return k.toSnapshot(f.takenAtNanos, f.loss);
    }

    /** The published counters of one kind. Immutable once constructed; shared with readers by a volatile write. */
    private record KindFrame(TagKind kind, String[] names, String[] descriptions, long[] allocs, long[] frees,
                             long[] live, long[] bytes) {
        UsageSnapshot toSnapshot(long takenAt, Loss loss) {
            List<TagUsage> rows = new ArrayList<>();
            Pool[] pools = Pool.values();
            for (int i = 0; i < names.length; i++) {
                for (int p = 0; p < TagTable.POOLS; p++) {
                    int c = i * TagTable.POOLS + p;
                    if (allocs[c] != 0 || live[c] != 0) {
                        rows.add(new TagUsage(names[i], kind, pools[p], allocs[c], frees[c], live[c], bytes[c],
                                descriptions[i]));
                    }
                }
            }
            return new UsageSnapshot(takenAt, "ledger (" + kind.label() + " tags from allocation events)", rows, loss);
        }
    }

    private record Frame(long takenAtNanos, Loss loss, KindFrame caches, KindFrame sites, KindFrame modules,
                         KindFrame stacks) {
    }
}
