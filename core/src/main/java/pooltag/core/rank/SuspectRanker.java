package pooltag.core.rank;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerStats;
import pooltag.core.ledger.OutstandingVisitor;
import pooltag.core.ledger.RecentSites;
import pooltag.core.collect.LongIntHashMap;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.KmallocName;
import pooltag.core.tag.TagKind;

/**
 * Ranks tags as leak suspects for {@code hunt}, and groups them into findings: by sustained growth of allocations
 * that stay outstanding, checked against {@code /proc/slabinfo}, not by outstanding bytes alone (kernel-notes:
 * "Gotchas that make false leaks").
 *
 * <h2>Method</h2>
 * The window runs from the ledger's first event to its end (the later of its last event and start + duration).
 * Only <i>mature</i> outstanding allocations count as evidence: those made at least the age threshold before the
 * end (younger ones are churn in flight). They are bucketed by allocation time; the <i>survivor series</i> is the
 * running count per bucket end: how many allocations made up to then are still outstanding. A leak makes it climb
 * steadily; churn leaves it flat at zero; a one-off burst makes one step. Confidence is the product of factors in
 * [0,1], each documented in {@link Evidence}:
 * <pre>
 *   confidence = strength x sustained x retention x confirmation x untraceable x pool x loss
 * </pre>
 * Worked example (the unit test's leak): 499 objects at 200/s from 0.5 s to 3 s of a 6 s hunt, never freed,
 * /proc/slabinfo climbing with them, NonPaged, no loss: strength 499/509 = 0.98, sustained 1 (growth in every
 * bucket of a 2.5 s span), retention 1, confirmation 1, so about 0.98. The same objects in a maple_node-like cache
 * whose slabinfo stays flat (frees happen through kfree_rcu, untraced): confirmation 0.25, about 0.25. In a
 * reclaimable cache growing under a file scan, confirmed by slabinfo: pool 0.5, about 0.49.
 *
 * <p><b>What the kernel's count can show.</b> SLUB's {@code /proc/slabinfo} counts every object of a CPU's slab and
 * per-CPU partial slabs as live, so it lags a leak by up to a few slabs per CPU ({@link TagUsage#liveSlack}: 128
 * objects of {@code kmalloc-cg-1k}, 546 of {@code filp} on 2 CPUs). The cross-check compares the kernel's growth plus
 * that slack with the events' growth over the same span; a growth within the slack is not held against a suspect.
 * The kernel's count also falls when another process frees objects it made before the hunt (closing old files,
 * sockets, epoll registrations): the trace sees those frees but no allocation to pair them with. Where the free names
 * its cache, the ledger keeps them over time ({@link Ledger#unpairedFreesBy}) and the comparison adds them back to the
 * kernel's count first, so a leak beside such frees is not refuted by them (measured live: an epoll leak of 200/s fell
 * from confidence 0.99 to 0.25 while another process closed 3,000 registrations made before the hunt). A sample
 * that fell inside a burst of them is left out; what was added back may include frees into per-CPU slabs and frees
 * whose allocation the trace missed, so the comparison takes those off once, and when only the growth without that cut
 * would confirm, the count is inconclusive ({@value #UNKNOWN_CONFIRMATION}, as with no series). {@code kfree} names no
 * cache, so for a kmalloc cache the ledger can only estimate them from the freed addresses' alignment
 * ({@link Ledger#kmallocOlderFreesBy}). When those, added back, would explain the kernel's
 * shortfall, its count is inconclusive too, not a refutation (a semget leak beside 3,000 older semaphore sets
 * removed: 0.25 before, 0.79 after). Neither is done for a cache whose
 * traffic the tracepoints partly miss ({@link #untracedTraffic}): there an unpaired free is no sign of an older object.
 * What guards against false survivors there is the trace itself: an allocation at an address still outstanding
 * shows that the earlier object was freed without a free event ({@link Ledger#staleAllocations}), which a leaked
 * object never is.
 *
 * <p><b>Short hunts.</b> The age threshold is at most a quarter of the window (never under 0.5 s) and the sustain
 * time at most a third (never under 1 s), so a 3 s hunt judges allocations 0.75 s old growing for 1 s.
 *
 * <h2>Findings</h2>
 * The same objects show up as a cache tag and as a site tag, and one leaking call makes several kinds of object.
 * The unit of evidence under both is the <i>cell</i>: outstanding allocations of one (cache, site, pool). Cells are
 * joined into one finding when the trace says they have one cause: the same process made most of them and either
 * their stacks name the same system call (or kernel thread), or, for cells without stacks, their survivor series
 * rise in step (correlation at least {@value #LOCKSTEP}). Within a finding, a cell is a <i>consequence</i> when the
 * trace shows it grows because of the others: Paged (reclaimable) objects; objects made while constructing an inode
 * or dentry (on its stacks or as its site); objects allocated inside another allocation (an allocator frame deeper
 * on the stack: slab pages' metadata); or fewer than {@value #CONSEQUENCE_RATIO} per object of the finding (per
 * slab, per tree node). Of the rest, the cause is the most confident cell weighted by how specific its site is to
 * the leak (the share of the site's allocations that the cell's survivors are); the others are companions.
 *
 * <p>Runs on the ledger's writer thread, or on any thread once the ledger no longer changes (the hunt ranks after
 * the run stopped), once per hunt. Per outstanding allocation it does two primitive-map lookups and array increments
 * (no object); it allocates primitive rows per cell and group, reads each distinct stack's frames once
 * ({@link StackFacts}), and allocates objects per cell, stack and suspect, never per outstanding allocation.
 */
public final class SuspectRanker {
    private static final int MAX_BUCKETS = 240;
    private static final double STRENGTH_HALF = 10;
    private static final double UNKNOWN_CONFIRMATION = 0.8;
    /** The growth confirmation ({@link Growth#confirm}) that makes {@link #UNKNOWN_CONFIRMATION}. */
    private static final double INCONCLUSIVE_CONFIRM = (UNKNOWN_CONFIRMATION - 0.25) / 0.75;
    /**
     * A /proc/slabinfo sample whose older-frees add-back the ledger can only bound within more than this share of the
     * events' growth, and more than {@link #AMBIGUOUS_FREES} frees (it fell inside a burst of them), is left out of
     * the comparison.
     */
    private static final double AMBIGUOUS_SHARE = 0.05;
    /**
     * Twice the frees a run of the ledger's series holds before thinning: a sample inside a steady stream of older
     * frees, interpolated within a few dozen, is never left out.
     */
    private static final double AMBIGUOUS_FREES = 128;
    private static final double UNTRACEABLE_FACTOR = 0.5;
    private static final double PAGED_FACTOR = 0.5;
    /**
     * A site is taken as freed through untraced paths when at least this share of its allocations found outstanding
     * (stale + mature survivors) were found freed without a free event.
     */
    static final double STALE_SHARE = 0.05;
    private static final long MIN_AGE_NANOS = 500_000_000L;
    private static final long MIN_SUSTAIN_NANOS = 1_000_000_000L;
    /** A process made "most" of a cell's survivors at this share. */
    static final double PID_SHARE = 0.6;
    /** Survivor series this correlated rise in step. */
    static final double LOCKSTEP = 0.9;
    /** A follower of fewer than {@link #CONSEQUENCE_RATIO} per object joins a same-process cell at this correlation. */
    static final double SUB_LOCKSTEP = 0.7;
    /** A member with fewer survivors than this share of the finding's largest grows per slab or per node. */
    static final double CONSEQUENCE_RATIO = 0.25;
    /** Each companion in lockstep closes this share of the cause's remaining doubt, up to {@link #COMPANION_MAX}. */
    private static final double COMPANION_STEP = 0.1;
    private static final double COMPANION_MAX = 0.5;

    private SuspectRanker() {
    }

    /**
     * Every outstanding allocation lands in one group: (cache tag, site tag, pool, stack id). Groups are rows of
     * parallel primitive arrays indexed by a dense group number; cells (the same without the stack) likewise.
     */
    private static final class Groups {
        final int k;
        final long start;
        final long matureEnd;
        final double bucketNs;
        final LongIntHashMap cellIndex = new LongIntHashMap(256, -1);
        final LongIntHashMap groupIndex = new LongIntHashMap(512, -1);
        int cells;
        int[] cCache = new int[64], cSite = new int[64], cPool = new int[64], cPid = new int[64];
        long[] cVotes = new long[64], cPidHits = new long[64], cOldest = new long[64];
        int groups;
        int[] gCell = new int[64], gStack = new int[64];
        long[] gN = new long[64], gBytes = new long[64], gMature = new long[64], gMatureBytes = new long[64];
        /** Mature survivors of the group made by its cell's majority process (filled by the second pass). */
        long[] gPidMature = new long[64];
        /** All survivors of the group, mature or younger, made by its cell's majority process (second pass). */
        long[] gPidAll = new long[64];
        /** Mature survivors per (group, bucket), row-major: an int holds any count the table can hold (< 2^30). */
        int[] gBuckets;
        /** Each distinct stack read once for the whole ranking. */
        final StackFacts stacks;
        /** Scratch, all zero between uses: bytes per tag id ({@code dominant}), weight per cause id ({@code cellStacks}). */
        long[] tagBytes = new long[0];
        long[] causeWeight = new long[8];

        Groups(StackFacts stacks, int k, long start, long matureEnd, double bucketNs) {
            this.stacks = stacks;
            this.k = k;
            this.start = start;
            this.matureEnd = matureEnd;
            this.bucketNs = bucketNs;
            gBuckets = new int[64 * k];
        }

        /** Base cells (cache, site, pool) by key, numbered in order of first sight: the pre-pass's own numbering. */
        private final LongIntHashMap baseIndex = new LongIntHashMap(256, -1);
        /** Mature survivors per (base cell number << 32 | pid); the keys in order of first sight. */
        private final LongIntHashMap baseProcessMature = new LongIntHashMap(1024, 0);
        private long[] baseProcessKeys = new long[256];
        private int baseProcesses;
        private long[] baseMature = new long[64];
        /** (base cell number << 32 | pid) -> sub-cell number (1..) for the processes split out of a shared cell. */
        private final LongIntHashMap split = new LongIntHashMap(64, -1);
        /** Sub-cell numbers live in the key's bits 46..62, above the cache tag. */
        static final int MAX_SUBCELLS = (1 << 17) - 1;

        /**
         * Pre-pass before any {@link #add}: gives a process its own cells where it shares a cell without owning it.
         * A process owns a cell when it made at least {@link #PID_SHARE} of its mature survivors (and the cell has
         * {@code minOutstanding} of them). Every cell where an owner made {@code minOutstanding} or more mature
         * survivors but less than that share is split: the owner's survivors go to a sub-cell of their own, the
         * rest stay. Why: a pipe leak's files were a third of a busy machine's {@code filp} cell, so that cell had no
         * process, could not join the leak's finding (findings join cells of one process), and its 0.97 outranked
         * the leak as a finding of its own in 1 of 10 3 s verdicts (and unix, udp alike).
         */
        void splitSharedCells(Ledger ledger, int minOutstanding) {
            forEachRanked(ledger, (addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
                if (allocNs > matureEnd) {
                    return;
                }
                long base = cellKey(cacheTag, siteTag, pool);
                int b = baseIndex.get(base);
                if (b < 0) {
                    b = baseIndex.size();
                    baseIndex.put(base, b);
                    if (b == baseMature.length) {
                        baseMature = Arrays.copyOf(baseMature, 2 * b);
                    }
                }
                baseMature[b]++;
                long key = ((long) b << 32) | (pid & 0xffffffffL);
                int had = baseProcessMature.get(key);
                if (had == 0) {
                    if (baseProcesses == baseProcessKeys.length) {
                        baseProcessKeys = Arrays.copyOf(baseProcessKeys, 2 * baseProcesses);
                    }
                    baseProcessKeys[baseProcesses++] = key;
                }
                baseProcessMature.put(key, had + 1);
            });
            LongIntHashMap owners = new LongIntHashMap(64, 0); // pid -> 1
            for (int i = 0; i < baseProcesses; i++) {
                long key = baseProcessKeys[i];
                long total = baseMature[(int) (key >>> 32)];
                if (total >= minOutstanding && baseProcessMature.get(key) >= PID_SHARE * total) {
                    owners.put((int) key, 1);
                }
            }
            int subs = 0;
            for (int i = 0; i < baseProcesses && subs < MAX_SUBCELLS; i++) {
                long key = baseProcessKeys[i];
                int made = baseProcessMature.get(key);
                if (made >= minOutstanding && made < PID_SHARE * baseMature[(int) (key >>> 32)]
                        && owners.get((int) key) == 1) {
                    split.put(key, ++subs);
                }
            }
        }

        /** The cell an outstanding allocation belongs to: its (cache, site, pool), or its process's share of it. */
        long cellKeyOf(int cache, int site, int pool, int pid) {
            long base = cellKey(cache, site, pool);
            if (split.isEmpty()) {
                return base;
            }
            int b = baseIndex.get(base);
            int sub = b < 0 ? -1 : split.get(((long) b << 32) | (pid & 0xffffffffL));
            return sub < 0 ? base : base | ((long) sub << 46);
        }

        void add(long bytes, long allocNs, int pid, int cache, int site, int stack, int pool) {
            long cellKey = cellKeyOf(cache, site, pool, pid);
            int c = cellIndex.get(cellKey);
            if (c == -1) {
                c = newCell(cache, site, pool);
                cellIndex.put(cellKey, c);
            }
            long groupKey = ((long) c << 32) | ((stack + 1L) & 0xffffffffL);
            int g = groupIndex.get(groupKey);
            if (g == -1) {
                g = newGroup(c, stack);
                groupIndex.put(groupKey, g);
            }
            gN[g]++;
            gBytes[g] += bytes;
            if (allocNs <= matureEnd) {
                gMature[g]++;
                gMatureBytes[g] += bytes;
                int b = (int) Math.min(k - 1, Math.max(0, (long) ((allocNs - start) / bucketNs)));
                gBuckets[g * k + b]++;
                // Boyer-Moore majority vote: the only pid that can hold more than half; counted exactly later.
                if (cVotes[c] == 0) {
                    cPid[c] = pid;
                    cVotes[c] = 1;
                } else {
                    cVotes[c] += cPid[c] == pid ? 1 : -1;
                }
                cOldest[c] = Math.min(cOldest[c], allocNs);
            }
        }

        private int newCell(int cache, int site, int pool) {
            if (cells == cCache.length) {
                int n = cells * 2;
                cCache = Arrays.copyOf(cCache, n);
                cSite = Arrays.copyOf(cSite, n);
                cPool = Arrays.copyOf(cPool, n);
                cPid = Arrays.copyOf(cPid, n);
                cVotes = Arrays.copyOf(cVotes, n);
                cPidHits = Arrays.copyOf(cPidHits, n);
                cOldest = Arrays.copyOf(cOldest, n);
            }
            cCache[cells] = cache;
            cSite[cells] = site;
            cPool[cells] = pool;
            cOldest[cells] = Long.MAX_VALUE;
            return cells++;
        }

        private int newGroup(int cell, int stack) {
            if (groups == gCell.length) {
                int n = groups * 2;
                gCell = Arrays.copyOf(gCell, n);
                gStack = Arrays.copyOf(gStack, n);
                gN = Arrays.copyOf(gN, n);
                gBytes = Arrays.copyOf(gBytes, n);
                gMature = Arrays.copyOf(gMature, n);
                gMatureBytes = Arrays.copyOf(gMatureBytes, n);
                gPidMature = Arrays.copyOf(gPidMature, n);
                gPidAll = Arrays.copyOf(gPidAll, n);
                gBuckets = Arrays.copyOf(gBuckets, n * k);
            }
            gCell[groups] = cell;
            gStack[groups] = stack;
            return groups++;
        }
    }

    /**
     * Sums of a set of groups: a tag's, or a cell's. A cache, site, module or stack tag takes whole groups; a cgroup
     * tag (or a (cgroup, tag) pair) takes the part of each group its cgroup's tasks made ({@link #addPart}), so the
     * per-slot sums {@code sN}, {@code sBytes}, {@code sMature} are what helpers read, never the group's totals.
     */
    private static final class Acc {
        final TagKind kind;
        final int tagId;
        final int pool;
        long n, bytes, mature, matureBytes, oldest = Long.MAX_VALUE;
        final long[] perBucket;
        int[] groups = new int[4];
        long[] sN = new long[4], sBytes = new long[4], sMature = new long[4];
        int ng;

        Acc(TagKind kind, int tagId, int pool, int k) {
            this.kind = kind;
            this.tagId = tagId;
            this.pool = pool;
            this.perBucket = new long[k];
        }

        void add(Groups gs, int g) {
            n += gs.gN[g];
            bytes += gs.gBytes[g];
            mature += gs.gMature[g];
            matureBytes += gs.gMatureBytes[g];
            for (int i = 0, o = g * gs.k; i < gs.k; i++) {
                perBucket[i] += gs.gBuckets[o + i];
            }
            oldest = Math.min(oldest, gs.cOldest[gs.gCell[g]]);
            int s = slot(g);
            sN[s] = gs.gN[g];
            sBytes[s] = gs.gBytes[g];
            sMature[s] = gs.gMature[g];
        }

        /** One outstanding allocation of group {@code g} at slot {@code s} (from {@link #slot}, or -1 for a new one). */
        int addPart(Groups gs, int g, int s, long b, long allocNs) {
            if (s < 0) {
                s = slot(g);
            }
            n++;
            bytes += b;
            sN[s]++;
            sBytes[s] += b;
            if (allocNs <= gs.matureEnd) {
                mature++;
                matureBytes += b;
                sMature[s]++;
                perBucket[(int) Math.min(gs.k - 1, Math.max(0, (long) ((allocNs - gs.start) / gs.bucketNs)))]++;
                oldest = Math.min(oldest, allocNs);
            }
            return s;
        }

        private int slot(int g) {
            if (ng == groups.length) {
                groups = Arrays.copyOf(groups, ng * 2);
                sN = Arrays.copyOf(sN, ng * 2);
                sBytes = Arrays.copyOf(sBytes, ng * 2);
                sMature = Arrays.copyOf(sMature, ng * 2);
            }
            groups[ng] = g;
            return ng++;
        }
    }

    /** Window and factors shared by every judgement of one ranking. */
    private record Window(long start, long end, long matureEnd, int k, double bucketNs, long sustainNanos,
                          double lossFactor, Map<String, double[][]> procfs) {
    }

    /**
     * @param procfs        {@code /proc/slabinfo} usage snapshots taken during the hunt, any order, same clock as
     *                      the events (CLOCK_MONOTONIC); may be empty (confirmation then costs 0.8)
     * @param durationNanos the hunt's length; 0 to use the ledger's span of events
     */
    public static HuntReport rank(Ledger ledger, List<UsageSnapshot> procfs, long durationNanos, RankOptions o) {
        LedgerStats st = ledger.stats();
        long start = ledger.firstNanos();
        long end = Math.max(ledger.lastNanos(), durationNanos > 0 ? start + durationNanos : 0);
        double durationS = (end - start) / 1e9;
        List<String> notes = new ArrayList<>();
        // Double allocations are mostly frees the kernel does not trace (kfree_rcu, bulk): the outstanding table
        // already drops the stale entry, so they are reported but do not cost confidence; lost events do, and so do
        // skipped records (undecodable, or the rest of a broken page): a skipped free leaves a false survivor just
        // like a lost one.
        long lossy = st.lostEvents() + st.skippedRecords();
        double lossFraction = st.events() == 0 ? 0 : (double) lossy / st.events();
        double lossFactor = Math.max(0.25, 1 - 5 * lossFraction);
        if (lossy > 0) {
            notes.add(String.format(Locale.ROOT, "%d events lost, %d records skipped: every confidence x%.2f; enlarge"
                    + " the trace buffer (--buffer-kb) to lose fewer", st.lostEvents(), st.skippedRecords(), lossFactor));
        }
        if (st.doubleAllocs() > 0) {
            notes.add(String.format(Locale.ROOT, "%d allocations at an address still outstanding: frees the kernel"
                    + " does not trace (kfree_rcu, bulk frees) or lost; the stale entries were dropped",
                    st.doubleAllocs()));
        }
        int own = ledger.tracerTask();
        if (own >= 0) {
            long[] ownCount = new long[1];
            ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
                if (pid == own) {
                    ownCount[0]++;
                }
            });
            if (ownCount[0] > 0) {
                notes.add(String.format(Locale.ROOT, "%d outstanding allocations of pooltag's own trigger writes"
                        + " (task %d) are left out of the ranking", ownCount[0], own));
            }
        }
        long age = ageThreshold(end - start, o);
        long matureEnd = end - age;
        long window = matureEnd - start;
        if (st.events() == 0 || window <= 0) {
            notes.add(String.format(Locale.ROOT, "the window (%.1f s) is not longer than the age threshold (%.1f s):"
                    + " no allocation is old enough to be evidence; hunt longer", durationS, age / 1e9));
            return new HuntReport(durationS, st.events(), st.lostEvents(), st.unpairedFrees(), st.doubleAllocs(),
                    o.threshold(), List.of(), List.copyOf(notes), List.of());
        }
        int k = (int) Math.min(MAX_BUCKETS, Math.max(o.minBuckets(), (window + o.bucketNanos() - 1) / o.bucketNanos()));
        double bucketNs = (double) window / k;
        long sustain = Math.max(Math.min(MIN_SUSTAIN_NANOS, o.sustainNanos()),
                Math.min(o.sustainNanos(), (end - start) / 3));
        Window w = new Window(start, end, matureEnd, k, bucketNs, sustain, lossFactor,
                procfsSeries(procfs, start, matureEnd, end));

        Groups gs = new Groups(new StackFacts(ledger), k, start, matureEnd, bucketNs);
        gs.splitSharedCells(ledger, o.minOutstanding());
        forEachRanked(ledger, (addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) ->
                gs.add(bytes, allocNs, pid, cacheTag, siteTag, stackId, pool));
        // Second pass: how many mature survivors of each cell its majority candidate really made.
        forEachRanked(ledger, (addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
            int c = gs.cellIndex.get(gs.cellKeyOf(cacheTag, siteTag, pool, pid));
            if (gs.cPid[c] == pid) {
                int g = gs.groupIndex.get(((long) c << 32) | ((stackId + 1L) & 0xffffffffL));
                gs.gPidAll[g]++;
                if (allocNs <= matureEnd) {
                    gs.cPidHits[c]++;
                    gs.gPidMature[g]++;
                }
            }
        });

        // Suspects: per (kind, tag, pool), indexed by tagId * POOLS + pool in a dense array per kind.
        List<Suspect> suspects = new ArrayList<>();
        Map<Suspect, Acc> suspectAcc = new java.util.IdentityHashMap<>();
        int pools = Pool.values().length;
        for (TagKind kind : o.kinds()) {
            boolean cgroupKind = kind.isCgroup();
            if (kind != TagKind.CACHE && kind != TagKind.SITE && kind != TagKind.MODULE && kind != TagKind.STACK
                    && !cgroupKind) {
                continue;
            }
            int tags = kind == TagKind.STACK ? Math.max(ledger.stackCount(), ledger.tagCount(kind))
                    : ledger.tagCount(kind);
            Acc[] byId = new Acc[tags * pools];
            if (cgroupKind) {
                accumulateCgroups(ledger, gs, kind, tags, byId);
            }
            for (int g = 0; g < gs.groups && !cgroupKind; g++) {
                int c = gs.gCell[g];
                int tagId = switch (kind) {
                    case CACHE -> gs.cCache[c];
                    case SITE -> gs.cSite[c];
                    case MODULE -> ledger.moduleOfSite(gs.cSite[c]);
                    default -> gs.gStack[g];
                };
                if (tagId < 0 || tagId >= tags) {
                    continue;
                }
                int i = tagId * pools + gs.cPool[c];
                if (byId[i] == null) {
                    byId[i] = new Acc(kind, tagId, gs.cPool[c], k);
                }
                byId[i].add(gs, g);
            }
            for (Acc a : byId) {
                if (a != null && a.mature >= o.minOutstanding()) {
                    int cacheTag = a.kind == TagKind.CACHE ? a.tagId : dominant(gs, a, true, ledger.tagCount(TagKind.CACHE));
                    int siteTag = a.kind == TagKind.SITE ? a.tagId : dominant(gs, a, false, ledger.tagCount(TagKind.SITE));
                    long allocs = ledger.usage(a.kind, a.tagId, Pool.values()[a.pool]).allocs();
                    Suspect s = judge(ledger, gs, a, ledger.tagName(a.kind, a.tagId), cacheTag, siteTag, allocs, o, w);
                    suspects.add(s);
                    suspectAcc.put(s, a);
                }
            }
        }
        suspects.sort(BY_CONFIDENCE);

        List<Finding> findings = new ArrayList<>();
        int[] cellFinding = findings(ledger, gs, o, w, findings);
        List<Suspect> ordered = orderByFinding(suspects, suspectAcc, gs, cellFinding, findings);
        return new HuntReport(durationS, st.events(), st.lostEvents(), st.unpairedFrees(), st.doubleAllocs(),
                o.threshold(), List.copyOf(ordered), List.copyOf(notes), List.copyOf(findings));
    }

    /**
     * The outstanding allocations a ranking weighs: the ledger's, less those of the tracer's own arming thread
     * ({@link Ledger#tracerTask}): its trigger filters' {@code parse_pred} and {@code trigger_data_alloc} live as long as
     * the trigger and once ranked as a finding of their own ("pid N via parse_pred", 0.37 on a quiet machine).
     */
    private static void forEachRanked(Ledger ledger, OutstandingVisitor v) {
        int own = ledger.tracerTask();
        if (own < 0) {
            ledger.forEachOutstanding(v);
            return;
        }
        ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
            if (pid != own) {
                v.visit(addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup);
            }
        });
    }

    /**
     * A cgroup kind's tags are not in the group key (a group's allocations span cgroups): one more pass over the
     * outstanding table charges each allocation's part of its group to its tag (from the cgroup the visitor gives,
     * {@link Ledger#cgroupTagOf}), into {@code byId} indexed by tag id x pools + pool. Per allocation: at most four
     * primitive-map probes (pair tag, cell, group, slot), no object, no outstanding-table lookup.
     */
    private static void accumulateCgroups(Ledger ledger, Groups gs, TagKind kind, int tags, Acc[] byId) {
        int pools = Pool.values().length;
        // (byId index, group) -> the group's slot in that accumulator
        LongIntHashMap slots = new LongIntHashMap(256, -1);
        forEachRanked(ledger, (addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
            int tagId = ledger.cgroupTagOf(kind, cgroup, cacheTag, siteTag);
            if (tagId < 0 || tagId >= tags) {
                return;
            }
            int c = gs.cellIndex.get(gs.cellKeyOf(cacheTag, siteTag, pool, pid));
            int g = gs.groupIndex.get(((long) c << 32) | ((stackId + 1L) & 0xffffffffL));
            int i = tagId * pools + pool;
            if (byId[i] == null) {
                byId[i] = new Acc(kind, tagId, pool, gs.k);
            }
            long key = ((long) i << 32) | g;
            int s = slots.get(key);
            int made = byId[i].addPart(gs, g, s, bytes, allocNs);
            if (s < 0) {
                slots.put(key, made);
            }
        });
    }

    /**
     * The key of a cell (cache tag, site tag, pool) in a primitive map: cache tags take 12 bits and site tags 20
     * ({@code OutstandingTable}'s packing), the pool 2, so the fields never overlap.
     */
    static long cellKey(int cacheTag, int siteTag, int pool) {
        return ((long) cacheTag << 34) | ((long) siteTag << 2) | pool;
    }

    private static final Comparator<Suspect> BY_CONFIDENCE = Comparator.comparingDouble(Suspect::confidence).reversed()
            .thenComparing(Comparator.comparingLong(Suspect::outstandingBytes).reversed())
            .thenComparing(Suspect::tag);

    /** The age threshold for a window: at most a quarter of it, at least 0.5 s (or the option, if smaller). */
    static long ageThreshold(long windowNanos, RankOptions o) {
        return Math.max(Math.min(MIN_AGE_NANOS, o.ageThresholdNanos()), Math.min(o.ageThresholdNanos(), windowNanos / 4));
    }

    /** The cache (or site) holding most of the accumulator's bytes. */
    private static int dominant(Groups gs, Acc a, boolean cache, int tags) {
        // One zeroed scratch array per ranking, indexed by tag id; the entries touched are zeroed again below.
        if (gs.tagBytes.length < tags) {
            gs.tagBytes = new long[tags];
        }
        long[] bytes = gs.tagBytes;
        int best = -1;
        for (int i = 0; i < a.ng; i++) {
            int c = gs.gCell[a.groups[i]];
            int t = cache ? gs.cCache[c] : gs.cSite[c];
            if (t < 0 || t >= tags) {
                continue;
            }
            bytes[t] += a.sBytes[i];
            if (best < 0 || bytes[t] > bytes[best] || bytes[t] == bytes[best] && t < best) {
                best = t;
            }
        }
        for (int i = 0; i < a.ng; i++) {
            int c = gs.gCell[a.groups[i]];
            int t = cache ? gs.cCache[c] : gs.cSite[c];
            if (t >= 0 && t < tags) {
                bytes[t] = 0;
            }
        }
        return best;
    }

    /**
     * The reclaimable-object constructor on the stacks of most of the accumulator's outstanding allocations that
     * have a stack, or null. Frames 0 and 1 (allocator, call site) are skipped: a constructor's own allocations are
     * its cache's business.
     */
    private static String reclaimableCompanion(Groups gs, Acc a) {
        long withStack = 0;
        long through = 0;
        String seen = null;
        for (int i = 0; i < a.ng; i++) {
            int g = a.groups[i];
            int stack = gs.gStack[g];
            if (stack < 0) {
                continue;
            }
            withStack += a.sN[i];
            String fn = gs.stacks.passesThrough(stack);
            if (fn != null) {
                through += a.sN[i];
                seen = fn;
            }
        }
        return withStack > 0 && through * 2 > withStack ? seen : null;
    }

    private static Suspect judge(Ledger ledger, Groups gs, Acc a, String tag, int cacheTag, int siteTag, long allocs,
                                 RankOptions o, Window w) {
        List<String> notes = new ArrayList<>();
        Pool pool = Pool.values()[a.pool];
        int k = w.k();
        double bucketS = w.bucketNs() / 1e9;

        // Survivor series and its slope.
        double[] t = new double[k];
        double[] c = new double[k];
        List<Long> survivors = new ArrayList<>(k);
        long cum = 0;
        int first = -1, last = -1, grew = 0;
        for (int i = 0; i < k; i++) {
            if (a.perBucket[i] > 0) {
                grew++;
                last = i;
                if (first < 0) {
                    first = i;
                }
            }
            cum += a.perBucket[i];
            survivors.add(cum);
            t[i] = (i + 1) * bucketS;
            c[i] = cum;
        }
        // Rate and R² over the span that grew: a steady leak is a straight line there, whatever the hunt did before
        // it; a fit over the whole window would mix in the flat start (a leak begun a third of the way in reads at
        // about two thirds of its rate). Under three buckets of growth, the whole window's fit.
        double slope = last - first >= 2 ? LeastSquares.slope(Arrays.copyOfRange(t, first, last + 1),
                Arrays.copyOfRange(c, first, last + 1), last - first + 1) : LeastSquares.slope(t, c, k);
        double r2 = first < 0 ? 0 : LeastSquares.r2(Arrays.copyOfRange(t, first, last + 1),
                Arrays.copyOfRange(c, first, last + 1), last - first + 1);
        double meanSize = (double) a.matureBytes / a.mature;

        double strength = a.mature / (a.mature + STRENGTH_HALF);
        int spanBuckets = last - first + 1;
        double density = (double) grew / spanBuckets;
        double spanFactor = Math.min(1, spanBuckets * w.bucketNs() / w.sustainNanos());
        double sustained = density * spanFactor;
        if (spanFactor < 1) {
            notes.add(String.format(Locale.ROOT, "grew for only %.1f s (a burst, or a hunt too short to tell)",
                    spanBuckets * bucketS));
        }
        if (density < 0.7) {
            notes.add(String.format(Locale.ROOT, "grew in %d of %d buckets", grew, spanBuckets));
        }

        double r = allocs <= 0 ? 1 : (double) a.mature / allocs;
        double retention = 0.5 + 0.5 * Math.min(1, 10 * r);
        // A cgroup tag sums every allocation of its tasks; turnover still counts against it (a churning container's
        // few survivors are in-flight objects and untraced frees, measured: 50 of tens of thousands). A (cgroup, tag)
        // pair is one tag's allocations in one cgroup: judged as the tag is.
        boolean cgroup = a.kind == TagKind.CGROUP;
        if (retention < 1) {
            notes.add(String.format(Locale.ROOT, "high turnover: %d of %d allocations survive", a.mature, allocs));
        }
        double churn = allocs <= 0 ? 0 : Math.max(0, 1 - (double) a.n / allocs);

        String cache = cacheTag < 0 ? null : ledger.tagName(TagKind.CACHE, cacheTag);
        String[] procfsName = new String[1];
        // A cgroup's survivors span many caches: one cache's /proc/slabinfo slope cannot confirm their sum.
        double[][] series = cache == null || cgroup ? null : procfsOf(w.procfs(), cache, t, c, w.start(), procfsName);
        double confirmation;
        List<Double> pSec = new ArrayList<>();
        List<Long> pLive = new ArrayList<>();
        double confirm = Double.NaN;
        if (series == null) {
            confirmation = UNKNOWN_CONFIRMATION;
            notes.add(cgroup ? "a cgroup's allocations span many caches: its growth is not cross-checked against"
                    + " /proc/slabinfo (see poolused --by cgroup for the kernel's own accounting)"
                    : "no /proc/slabinfo series for cache " + cache + " to confirm the growth");
        } else {
            int n = series[0].length;
            for (int i = 0; i < n; i++) {
                pSec.add((series[0][i] - w.start()) / 1e9);
                pLive.add((long) series[1][i]);
            }
            double[][] compared = series;
            double addedBack = 0;
            boolean untracedTraffic = untracedTraffic(ledger, cacheTag, ledger.unpairedFrees(cacheTag));
            Growth g;
            boolean inconclusive = false;
            if (procfsName[0].equals(cache) && !untracedTraffic && ledger.unpairedFrees(cacheTag) > 0) {
                // The older frees' add-back is exact at a sample outside a run of them and interpolated inside one;
                // a sample inside a burst (bounds wide apart) is left out. Over the span, frees into per-CPU slabs
                // (which did not lower the count: at most the slack) and frees whose allocation was lost, skipped or
                // evicted (which never raised it) may be in it: the least growth takes them off once (never more than
                // was added back), and when only the most growth confirms, the count is inconclusive.
                double events = growthOf(series, t, c, w.start()).events();
                double[][] added = withOlderObjectsFreed(series, ledger, cacheTag,
                        Math.max(AMBIGUOUS_FREES, AMBIGUOUS_SHARE * events));
                if (added[0].length < 2) { // a long hunt's thinned runs: compare them all, interpolated
                    added = withOlderObjectsFreed(series, ledger, cacheTag, Double.MAX_VALUE);
                }
                compared = added;
                addedBack = unpairedWithin(series, ledger, cacheTag);
                int left = n - added[0].length;
                if (left > 0) {
                    notes.add(String.format(Locale.ROOT, "%d of %d /proc/slabinfo samples fell inside bursts of frees"
                            + " of objects made before the hunt and are left out of the comparison", left, n));
                }
                LedgerStats st = ledger.stats();
                Growth most = growthOf(added, t, c, w.start());
                // what the add-back can have counted too many is at most what it added within the compared span
                g = most.lessBy(Math.min(unpairedWithin(added, ledger, cacheTag),
                        most.slack() + st.lostEvents() + st.skippedRecords() + st.evictedOutstanding()));
                if (g.confirm() < INCONCLUSIVE_CONFIRM && most.confirm() >= INCONCLUSIVE_CONFIRM) {
                    notes.add(String.format(Locale.ROOT, "/proc/slabinfo %s grew between %.0f and %.0f against %.0f"
                            + " seen in events over %.1f s once %.0f frees of objects made before the hunt are added"
                            + " back, depending on how many went to per-CPU slabs (up to %d), which leave the count"
                            + " where it was: the kernel's count can neither confirm nor refute the growth (x%.2f)",
                            procfsName[0], g.kernel(), most.kernel(), g.events(), g.spanS(), addedBack,
                            most.slack(), UNKNOWN_CONFIRMATION));
                    g = new Growth(g.kernel(), g.events(), g.slack(), g.spanS(), INCONCLUSIVE_CONFIRM);
                    inconclusive = true;
                }
            } else {
                if (procfsName[0].equals(cache) && unpairedWithin(series, ledger, cacheTag) >= 1) {
                    notes.add(String.format(Locale.ROOT, "%.0f frees of %s with no traced allocation are not added back"
                            + " to /proc/slabinfo's count: the cache also has untraced frees or allocations, so they"
                            + " need not be objects older than the hunt", unpairedWithin(series, ledger, cacheTag),
                            cache));
                }
                g = growthOf(compared, t, c, w.start());
            }
            confirm = g.confirm();
            confirmation = 0.25 + 0.75 * confirm;
            if (addedBack >= 1) {
                notes.add(String.format(Locale.ROOT, "/proc/slabinfo %s also fell by %.0f objects made before the"
                        + " hunt and freed during it (frees with no traced allocation): added back before comparing",
                        procfsName[0], addedBack));
            }
            double[][] unnamed = confirm < 0.9 ? withUnnamedOlderFreed(compared, ledger, cache) : null;
            int m = compared[0].length;
            double unnamedOlder = unnamed == null ? 0  // the added amount's growth over the span
                    : (unnamed[1][m - 1] - compared[1][m - 1]) - (unnamed[1][0] - compared[1][0]);
            if (unnamedOlder >= 1 && untracedTraffic(ledger, cacheTag, (long) unnamedOlder)) {
                notes.add(String.format(Locale.ROOT, "%.0f kfrees with no traced allocation at addresses %s's objects"
                        + " can have do not excuse its count: the cache also has untraced frees", unnamedOlder, cache));
                unnamedOlder = 0;
            }
            if (g.events() <= g.slack() && confirm >= 0.9) {
                notes.add(String.format(Locale.ROOT, "/proc/slabinfo %s cannot resolve %.0f objects over %.1f s (up to"
                        + " %d may sit free in per-CPU slabs, counted as live): it does not contradict the growth",
                        procfsName[0], g.events(), g.spanS(), g.slack()));
            } else if (unnamedOlder >= 1 && growthOf(unnamed, t, c, w.start()).confirm() >= 0.9) {
                // kfree names no cache: enough older objects freed to explain the shortfall make the count
                // inconclusive, neither a confirmation nor a refutation; confirm is raised to match, so the notes
                // below that read it as a refutation ("frees probably untraced") stay silent.
                confirm = Math.max(confirm, INCONCLUSIVE_CONFIRM);
                confirmation = Math.max(confirmation, UNKNOWN_CONFIRMATION);
                notes.add(String.format(Locale.ROOT, "/proc/slabinfo %s grew %.0f against %.0f seen in events over"
                        + " %.1f s, but about %.0f kfrees of objects made before the hunt fell in the same span at"
                        + " addresses aligned as this cache's objects are (kfree names no cache; estimated from the"
                        + " addresses): the kernel's count can neither confirm nor refute the growth (x%.2f)",
                        procfsName[0], g.kernel(), g.events(), g.spanS(), unnamedOlder, UNKNOWN_CONFIRMATION));
            } else if (confirm < 0.9 && !inconclusive) {
                notes.add(String.format(Locale.ROOT, "/proc/slabinfo %s grew %.0f against %.0f seen in events over"
                        + " %.1f s (up to %d may sit free in per-CPU slabs)", procfsName[0], g.kernel(), g.events(),
                        g.spanS(), g.slack()));
            }
            if (confirm >= 0.9 && !procfsName[0].equals(cache)) {
                notes.add("confirmed by /proc/slabinfo " + procfsName[0] + ", where the kernel keeps these " + cache
                        + " objects");
            }
        }
        boolean listed = ledger.isUntraceable(a.kind, a.tagId)
                || cacheTag >= 0 && ledger.isUntraceable(TagKind.CACHE, cacheTag);
        // The trace's own evidence of untraced frees: allocations of the site found freed without a free event (a
        // new allocation came at their address). A leaked object is never reused, so a leak's site has none; a
        // site whose frees go through kfree_rcu or bulk frees has them in proportion to the survivors it fakes.
        long stale = siteTag < 0 ? 0 : ledger.staleAllocations(TagKind.SITE, siteTag);
        boolean seenStale = stale > 0 && stale >= STALE_SHARE * (stale + a.mature);
        boolean flagged = listed || seenStale;
        double untraceable = flagged ? UNTRACEABLE_FACTOR : 1;
        if (listed) {
            notes.add("freed through untraced paths (kfree_rcu, bulk frees): outstanding objects may be long gone");
        } else if (seenStale) {
            notes.add(String.format(Locale.ROOT, "%d allocations of %s were found freed without a free event (a new"
                    + " allocation came at their address) against %d mature survivors: its frees are partly untraced"
                    + " (kfree_rcu, bulk frees), so its survivors may be long gone", stale,
                    ledger.tagName(TagKind.SITE, siteTag), a.mature));
        } else if (!Double.isNaN(confirm) && confirm < 0.5 && cacheTag >= 0
                && ledger.usage(TagKind.CACHE, cacheTag, pool).frees() == 0 && ledger.unpairedFrees(cacheTag) == 0) {
            notes.add("no free event seen for cache " + cache + " while /proc/slabinfo stays flat: its frees are"
                    + " probably untraced (kfree_rcu, bulk); mark it untraceable");
        }
        double poolFactor = pool == Pool.PAGED ? PAGED_FACTOR : 1;
        if (pool == Pool.PAGED) {
            notes.add("Paged (reclaimable) cache: grows under file scans and shrinks under memory pressure; to tell a"
                    + " leak, write 2 to /proc/sys/vm/drop_caches and hunt again: a leak keeps its objects");
        } else {
            String constructor = reclaimableCompanion(gs, a);
            if (constructor != null) {
                poolFactor = PAGED_FACTOR;
                notes.add("allocated while constructing a reclaimable object (" + constructor + " is on most of its"
                        + " stacks): it lives and dies with an inode or dentry, so it is discounted as Paged is");
            }
        }
        double confidence = strength * sustained * retention * confirmation * untraceable * poolFactor * w.lossFactor();
        confidence = Math.max(0, Math.min(1, confidence));

        String module = a.kind == TagKind.MODULE ? tag
                : siteTag < 0 ? null : ledger.tagName(TagKind.MODULE, ledger.moduleOfSite(siteTag));
        double ageS = a.oldest == Long.MAX_VALUE ? 0 : (w.end() - a.oldest) / 1e9;
        Evidence ev = new Evidence(bucketS, List.copyOf(survivors), List.copyOf(pSec), List.copyOf(pLive),
                procfsName[0], strength, sustained, retention, confirmation, untraceable, poolFactor, w.lossFactor(),
                r2, ageS, churn, List.copyOf(notes));
        return new Suspect(tag, a.kind, pool, module, a.n, a.bytes, slope, slope * meanSize, confidence, ev,
                topStacks(ledger, gs, a, o.topStacks()));
    }

    /**
     * How long a suspect's survivor series grew: from the first bucket that added survivors to the last, in seconds
     * (0 when none did); the span the sustained factor measures.
     */
    static double grewSeconds(Evidence ev) {
        List<Long> s = ev.survivors();
        int first = -1;
        int last = -1;
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i) > (i == 0 ? 0 : s.get(i - 1))) {
                last = i;
                if (first < 0) {
                    first = i;
                }
            }
        }
        return first < 0 ? 0 : (last - first + 1) * ev.bucketSeconds();
    }

    /**
     * The kernel's growth against the events' over the same span: the first to the last {@code /proc/slabinfo} sample.
     *
     * @param kernel  the series' least-squares growth over the span (objects)
     * @param events  the suspect's survivors made within the span (objects), from its survivor series
     * @param slack   how many allocations the kernel's count can hide: SLUB counts every object of a per-CPU slab
     *                as live, so allocations served from those slabs' free objects do not move it (from
     *                {@link TagUsage#liveSlack}, the most any sample stated)
     * @param confirm in [0,1]: {@code (kernel + slack) / events}; 1 when the events' growth is within the slack
     *                (the kernel's count cannot tell it from nothing), 0 when the events show no growth
     */
    record Growth(double kernel, double events, long slack, double spanS, double confirm) {
        /** The same comparison with the kernel's growth {@code overcount} objects lower. */
        Growth lessBy(double overcount) {
            double k = kernel - overcount;
            return new Growth(k, events, slack, spanS, events <= 0 ? 0 : Math.max(0, Math.min(1, (k + slack) / events)));
        }
    }

    /**
     * @param series {times ns, live objects, slack} per sample (at least two)
     * @param t      the survivor series' bucket ends, seconds from {@code start}
     * @param c      survivors made up to each bucket end
     */
    static Growth growthOf(double[][] series, double[] t, double[] c, long start) {
        int n = series[0].length;
        double[] x = new double[n];
        long slack = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (series[0][i] - start) / 1e9;
            slack = Math.max(slack, (long) series[2][i]);
        }
        double span = x[n - 1] - x[0];
        double kernel = LeastSquares.slope(x, series[1], n) * span;
        double events = survivorsBy(t, c, x[n - 1]) - survivorsBy(t, c, x[0]);
        double confirm = events <= 0 ? 0 : Math.max(0, Math.min(1, (kernel + slack) / events));
        return new Growth(kernel, events, slack, span, confirm);
    }

    /**
     * Whether a cache shows traffic the tracepoints miss: listed as freed through untraced paths, or with allocations
     * found freed without a free event (a new allocation came at their address) numbering at least
     * {@value #STALE_SHARE} of the {@code unpaired} frees that would be added back. A cache that also allocates in
     * bulk (untraced, as {@code kmem_cache_alloc_bulk} does for maple nodes and network buffers) frees those objects
     * with traced frees that pair with nothing, steadily and without lowering the kernel's count: there an unpaired
     * free is not evidence of an object older than the hunt, and adding it back would confirm survivors the kernel no
     * longer holds.
     */
    private static boolean untracedTraffic(Ledger ledger, int cacheTag, long unpaired) {
        if (cacheTag < 0) {
            return false;
        }
        long stale = ledger.staleAllocations(TagKind.CACHE, cacheTag);
        return ledger.isUntraceable(TagKind.CACHE, cacheTag) || stale > 0 && stale >= STALE_SHARE * unpaired;
    }

    /**
     * The kernel's count of a traced cache as it would read had no object older than the trace been freed: each sample
     * plus the cache's frees with no traced allocation up to it ({@link Ledger#unpairedFreesBy}). Such frees (a
     * process closing what it opened before the hunt) pull {@code /proc/slabinfo} down while no survivor of the trace
     * moves, so a leak beside them would look refuted. The ledger knows that count exactly except at a time inside a
     * run of such frees, where it interpolates between bounds ({@link Ledger#unpairedFreesAtLeastBy},
     * {@link Ledger#unpairedFreesAtMostBy}); a sample whose bounds are more than {@code tolerance} apart (it fell
     * inside a burst, so the count read there is anywhere in between) is left out. A least-squares slope's growth
     * moves by at most about three times the largest error of its samples, so the rest are compared as they are.
     *
     * @return {times ns, live objects, slack} of the samples kept
     */
    private static double[][] withOlderObjectsFreed(double[][] series, Ledger ledger, int cacheTag, double tolerance) {
        int n = series[0].length;
        double[][] out = new double[3][n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            long at = (long) series[0][i];
            if (ledger.unpairedFreesAtMostBy(cacheTag, at) - ledger.unpairedFreesAtLeastBy(cacheTag, at) > tolerance) {
                continue;
            }
            out[0][k] = series[0][i];
            out[1][k] = series[1][i] + ledger.unpairedFreesBy(cacheTag, at);
            out[2][k] = series[2][i];
            k++;
        }
        return new double[][] {Arrays.copyOf(out[0], k), Arrays.copyOf(out[1], k), Arrays.copyOf(out[2], k)};
    }

    /**
     * For a kmalloc cache, the kernel's count as it would read had the older objects its alignment class freed
     * ({@link Ledger#kmallocOlderFreesBy}: estimated from the addresses of unpaired {@code kfree}s) been kept. Null for
     * other caches, whose frees name them ({@link #withOlderObjectsFreed}).
     */
    private static double[][] withUnnamedOlderFreed(double[][] series, Ledger ledger, String cache) {
        long size = KmallocName.sizeOf(cache);
        if (size <= 0) {
            return null;
        }
        int alignment = Long.numberOfTrailingZeros(size);
        int n = series[0].length;
        double[] live = new double[n];
        for (int i = 0; i < n; i++) {
            live[i] = series[1][i] + ledger.kmallocOlderFreesBy(alignment, (long) series[0][i]);
        }
        return new double[][] {series[0], live, series[2]};
    }

    /** The cache's frees with no traced allocation between the series' first and last sample. */
    private static double unpairedWithin(double[][] series, Ledger ledger, int cacheTag) {
        int n = series[0].length;
        return ledger.unpairedFreesBy(cacheTag, (long) series[0][n - 1])
                - ledger.unpairedFreesBy(cacheTag, (long) series[0][0]);
    }

    private static double kernelShare(Growth g) {
        return g.events() <= 0 ? 0 : Math.max(0, Math.min(1, g.kernel() / g.events()));
    }

    /** Survivors made up to {@code x} seconds, interpolated within a bucket (none before the first). */
    private static double survivorsBy(double[] t, double[] c, double x) {
        double t0 = 0;
        double c0 = 0;
        for (int i = 0; i < t.length; i++) {
            if (x <= t[i]) {
                return x <= t0 ? c0 : c0 + (c[i] - c0) * (x - t0) / (t[i] - t0);
            }
            t0 = t[i];
            c0 = c[i];
        }
        return c0;
    }

    /**
     * The {@code /proc/slabinfo} series that holds a traced cache's objects: its own row, or, for a
     * {@code kmalloc-[cg-|rcl-]N} event, a kmem bucket of the same size ({@code msg_msg-N}, {@code memdup_user-N},
     * 6.11+) whose growth matches the events better: such allocations are traced as plain kmalloc. Merged caches
     * need nothing more: events and slabinfo both name them by the first creator.
     */
    private static double[][] procfsOf(Map<String, double[][]> procfs, String cache, double[] t, double[] c,
                                       long start, String[] chosen) {
        double[][] own = procfs.get(cache);
        chosen[0] = own == null ? null : cache;
        if (!cache.startsWith("kmalloc-")) {
            return own;
        }
        String size = cache.substring(cache.lastIndexOf('-'));
        // Chosen by the kernel's growth alone: with the slack, an idle bucket would confirm whatever is within it.
        double best = own == null ? -1 : kernelShare(growthOf(own, t, c, start));
        double[][] out = own;
        for (Map.Entry<String, double[][]> e : procfs.entrySet()) {
            String name = e.getKey();
            if (name.endsWith(size) && !name.startsWith("kmalloc-") && !name.startsWith("dma-kmalloc")
                    && name.indexOf('-') == name.length() - size.length()) {
                double share = kernelShare(growthOf(e.getValue(), t, c, start));
                if (share > best + 0.05) {
                    best = share;
                    out = e.getValue();
                    chosen[0] = name;
                }
            }
        }
        return out;
    }

    private static List<StackSummary> topStacks(Ledger ledger, Groups gs, Acc a, int n) {
        // Merge the accumulator's groups by stack id (a cache tag's cells may share a stack).
        long[] keyed = new long[a.ng];
        for (int i = 0; i < a.ng; i++) {
            keyed[i] = ((long) (gs.gStack[a.groups[i]] + 1) << 32) | i;
        }
        Arrays.sort(keyed);
        List<long[]> merged = new ArrayList<>(); // {stack, count, bytes}
        for (long kv : keyed) {
            int slot = (int) kv;
            int stack = gs.gStack[a.groups[slot]];
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && last[0] == stack) {
                last[1] += a.sN[slot];
                last[2] += a.sBytes[slot];
            } else {
                merged.add(new long[]{stack, a.sN[slot], a.sBytes[slot]});
            }
        }
        merged.sort(Comparator.comparingLong((long[] e) -> e[2]).reversed().thenComparingLong(e -> e[0]));
        List<StackSummary> out = new ArrayList<>(Math.min(n, merged.size()));
        for (long[] e : merged) {
            if (out.size() >= n) {
                break;
            }
            int id = (int) e[0];
            out.add(id < 0 ? new StackSummary("[no stack]", e[1], e[2], new long[0])
                    : new StackSummary(ledger.stackTag(id), e[1], e[2], ledger.stackFrames(id)));
        }
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------------------------------------ findings

    /** What one cell's stacks say: the cause they name, and whether they show it to be a consequence. */
    private record CellStacks(String cause, long stacked, String constructor, boolean nested) {
    }

    /**
     * Groups cells into findings (appended to {@code out}, most confident first); returns the finding index of each
     * cell, -1 for cells too small to judge.
     */
    private static int[] findings(Ledger ledger, Groups gs, RankOptions o, Window w, List<Finding> out) {
        int n = gs.cells;
        Acc[] cell = new Acc[n];
        for (int g = 0; g < gs.groups; g++) {
            int c = gs.gCell[g];
            if (cell[c] == null) {
                cell[c] = new Acc(TagKind.SITE, gs.cSite[c], gs.cPool[c], w.k());
            }
            cell[c].add(gs, g);
        }
        int[] parent = new int[n];
        boolean[] eligible = new boolean[n];
        int[] pid = new int[n];
        CellStacks[] cs = new CellStacks[n];
        double[][] series = new double[n][];
        for (int c = 0; c < n; c++) {
            parent[c] = c;
            eligible[c] = cell[c] != null && cell[c].mature >= o.minOutstanding();
            if (!eligible[c]) {
                continue;
            }
            pid[c] = gs.cPidHits[c] >= PID_SHARE * cell[c].mature ? gs.cPid[c] : -1;
            cs[c] = cellStacks(gs, cell[c], pid[c] >= 0);
            series[c] = cumulative(cell[c].perBucket);
        }
        // Join cells with one cause: same process and same system call (or kernel thread) on their stacks ...
        Map<String, Integer> byCause = new HashMap<>();
        for (int c = 0; c < n; c++) {
            if (eligible[c] && cs[c].cause() != null) {
                Integer other = byCause.putIfAbsent(pid[c] + "/" + cs[c].cause(), c);
                if (other != null) {
                    union(parent, c, other);
                }
            }
        }
        // ... and cells without stacks to the cell of the same process whose survivors rise most in step with theirs.
        for (int c = 0; c < n; c++) {
            if (!eligible[c] || cs[c].cause() != null || pid[c] < 0) {
                continue;
            }
            int best = -1;
            double bestR = LOCKSTEP;
            for (int d = 0; d < n; d++) {
                if (d == c || !eligible[d] || pid[d] != pid[c] || cs[d].cause() == null && d > c) {
                    continue;
                }
                double r = correlation(series[c], series[d]);
                // A follower at under CONSEQUENCE_RATIO per object (slab pages' metadata, tree nodes) rises in steps,
                // so it correlates less: it may join at SUB_LOCKSTEP.
                boolean follower = cell[c].mature < CONSEQUENCE_RATIO * cell[d].mature && r >= SUB_LOCKSTEP;
                if (r >= bestR || best < 0 && follower) {
                    bestR = Math.max(r, bestR);
                    best = d;
                }
            }
            if (best >= 0) {
                union(parent, c, best);
            }
        }
        // ... and cells no single process made and without stacks to a Paged cell rising in step with them at a like
        // count: objects that live and die with reclaimable ones (LSM blobs of inodes read in by any file scan).
        boolean[] withPaged = new boolean[n];
        for (int c = 0; c < n; c++) {
            if (!eligible[c] || cs[c].cause() != null || pid[c] >= 0 || gs.cPool[c] == Pool.PAGED.ordinal()) {
                continue;
            }
            int best = -1;
            double bestR = LOCKSTEP;
            for (int d = 0; d < n; d++) {
                if (eligible[d] && gs.cPool[d] == Pool.PAGED.ordinal() && cell[d].mature * 2 >= cell[c].mature) {
                    double r = correlation(series[c], series[d]);
                    if (r >= bestR) {
                        bestR = r;
                        best = d;
                    }
                }
            }
            if (best >= 0) {
                union(parent, c, best);
                withPaged[c] = true;
            }
        }
        Map<Integer, List<Integer>> members = new HashMap<>();
        for (int c = 0; c < n; c++) {
            if (eligible[c]) {
                members.computeIfAbsent(find(parent, c), x -> new ArrayList<>()).add(c);
            }
        }
        record Built(Finding f, List<Integer> cells, long bytes) {
        }
        // Mature survivors per site over every cell: how specific a site is to what survives.
        long[] siteMature = new long[Math.max(1, ledger.tagCount(TagKind.SITE))];
        for (int c = 0; c < n; c++) {
            if (cell[c] != null && gs.cSite[c] >= 0 && gs.cSite[c] < siteMature.length) {
                siteMature[gs.cSite[c]] += cell[c].mature;
            }
        }
        List<Built> built = new ArrayList<>();
        for (List<Integer> m : members.values()) {
            built.add(new Built(finding(ledger, gs, cell, cs, pid, series, withPaged, siteMature, m, o, w), m,
                    m.stream().mapToLong(c -> cell[c].bytes).sum()));
        }
        built.sort(Comparator.comparingDouble((Built b) -> b.f().confidence()).reversed()
                .thenComparing(Comparator.comparingLong(Built::bytes).reversed())
                .thenComparing(b -> b.f().causeTag()));
        int[] cellFinding = new int[n];
        Arrays.fill(cellFinding, -1);
        for (Built b : built) {
            for (int c : b.cells()) {
                cellFinding[c] = out.size();
            }
            out.add(b.f());
        }
        return cellFinding;
    }

    private static Finding finding(Ledger ledger, Groups gs, Acc[] cell, CellStacks[] cs, int[] pid, double[][] series,
                                   boolean[] withPaged, long[] siteMature, List<Integer> m, RankOptions o, Window w) {
        int size = m.size();
        Suspect[] judged = new Suspect[size];
        long[] siteAllocs = new long[size];
        String[] consequence = new String[size];
        long most = 0;
        // Stackless cells are followers against any member (Paged ones too); cells with stacks only against members
        // that are no consequence, so that a small leak beside a large file read stays a cause.
        long mostAny = 0;
        for (int i = 0; i < size; i++) {
            mostAny = Math.max(mostAny, cell[m.get(i)].mature);
        }
        for (int i = 0; i < size; i++) {
            int c = m.get(i);
            String name = ledger.tagName(TagKind.CACHE, gs.cCache[c]) + " / " + ledger.tagName(TagKind.SITE, gs.cSite[c]);
            siteAllocs[i] = 0;
            for (Pool p : Pool.values()) {
                siteAllocs[i] += ledger.usage(TagKind.SITE, gs.cSite[c], p).allocs();
            }
            judged[i] = judge(ledger, gs, cell[c], name, gs.cCache[c], gs.cSite[c], siteAllocs[i], o, w);
            String site = ledger.tagName(TagKind.SITE, gs.cSite[c]);
            if (gs.cPool[c] == Pool.PAGED.ordinal()) {
                consequence[i] = "Paged (reclaimable): made or read in with the cause and pinned by it";
            } else if (ledger.policy().reclaimableConstructors().contains(site)) {
                consequence[i] = "made by " + site + ", an inode or dentry constructor";
            } else if (cs[c].constructor() != null) {
                consequence[i] = "made while constructing an inode or dentry (" + cs[c].constructor() + " on its stacks)";
            } else if (cs[c].nested()) {
                consequence[i] = "allocated inside another allocation (slab growth)";
            } else if (withPaged[c]) {
                consequence[i] = "made by many processes, rising in step with a Paged cache: lives and dies with"
                        + " reclaimable objects";
            } else {
                most = Math.max(most, cell[c].mature);
            }
        }
        boolean[] follower = new boolean[size];
        for (int i = 0; i < size; i++) {
            int c = m.get(i);
            long against = cs[c].cause() == null ? Math.max(most, mostAny) : most;
            follower[i] = cell[c].mature < CONSEQUENCE_RATIO * against
                    || consequence[i] != null && consequence[i].startsWith("allocated inside");
            if (consequence[i] == null && cell[c].mature < CONSEQUENCE_RATIO * against) {
                consequence[i] = String.format(Locale.ROOT, "%d survivors against %d of the cause: one per slab,"
                        + " node or batch", cell[c].mature, against);
            }
        }
        // The cause: the most confident cell whose site is most specific to the leak; consequences only if all are.
        int cause = -1;
        double best = -1;
        // Passes: members that are no consequence; else not the ones riding on a Paged cell or following at under
        // one per object (the cell they follow is then the cause they grow with); else any.
        for (int pass = 0; pass < 3 && cause < 0; pass++) {
            for (int i = 0; i < size; i++) {
                if (pass == 0 && consequence[i] != null || pass == 1 && (withPaged[m.get(i)] || follower[i])) {
                    continue;
                }
                int c = m.get(i);
                // Specific: most of the site's allocations survive (alloc_pipe_info in a pipe leak), unlike a site
                // every file or socket goes through (alloc_empty_file, sk_prot_alloc).
                double specificity = siteAllocs[i] <= 0 ? 1
                        : Math.min(1, (double) siteMature[gs.cSite[c]] / siteAllocs[i]);
                double score = judged[i].confidence() * (0.5 + 0.5 * specificity);
                if (score > best) {
                    best = score;
                    cause = i;
                }
            }
        }
        int cc = m.get(cause);
        String causeTag = ledger.tagName(TagKind.SITE, gs.cSite[cc]);
        // Companions in lockstep with the cause close part of its remaining doubt.
        int lockstep = 0;
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
            if (i != cause && consequence[i] == null
                    && judged[i].confidence() >= 0.5 * judged[cause].confidence()
                    && correlation(series[m.get(i)], series[cc]) >= LOCKSTEP) {
                lockstep++;
            }
        }
        double base = judged[cause].confidence();
        if (consequence[cause] != null) {
            // Only consequences: growth of reclaimable objects or slab bookkeeping, whatever made it, not a leak's
            // own objects; discounted as Paged is.
            base *= PAGED_FACTOR;
        }
        // A burst (the cause grew for less than the sustain time: a process starting, a batch) has every member in
        // lockstep because it is one event: its companions prove nothing about a leak, so they lift nothing. A leak
        // begun in the hunt's last second looks the same, and is told as "too short to tell", not as a leak.
        // Otherwise companions are more survivors of the same leak: they close part of the doubt a small count leaves
        // (the strength factor), never the doubt of turnover, sparse growth or the pool, which every member of one
        // process's growth shares (a process mapping memory has its VMAs, anon_vmas and chains in lockstep: measured,
        // a cause at 0.30 for 98% turnover was lifted to 0.58, a LEAK, by four such companions).
        Evidence causeEv = judged[cause].evidence();
        double grewS = grewSeconds(causeEv);
        boolean burst = grewS * 1e9 < w.sustainNanos();
        double strength = causeEv.strength();
        double lifted = strength + (1 - strength) * Math.min(COMPANION_MAX, COMPANION_STEP * lockstep);
        double confidence = burst || strength <= 0 ? base : base / strength * lifted;
        final int causeIdx = cause;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> i == causeIdx ? 0 : consequence[i] == null ? 1 : 2)
                .thenComparing(i -> -cell[m.get(i)].bytes));
        List<Finding.Member> members = new ArrayList<>(size);
        String causeName = cs[cc].cause();
        long stackedMost = cs[cc].stacked();
        int stacksFrom = cc;
        for (Integer i : order) {
            int c = m.get(i);
            Finding.Role role = i == cause ? Finding.Role.CAUSE
                    : consequence[i] == null ? Finding.Role.COMPANION : Finding.Role.CONSEQUENCE;
            members.add(new Finding.Member(ledger.tagName(TagKind.CACHE, gs.cCache[c]),
                    ledger.tagName(TagKind.SITE, gs.cSite[c]), Pool.values()[gs.cPool[c]], role,
                    role == Finding.Role.CONSEQUENCE ? causeTag : null,
                    role == Finding.Role.CAUSE ? "the most confident, most specific member"
                            : role == Finding.Role.COMPANION ? (cs[c].cause() != null ? "same call on its stacks"
                            : "same process, survivors rise in step") : consequence[i],
                    cell[c].n, cell[c].bytes, judged[i].growthPerS(), judged[i].confidence()));
            // The cause's own stacks when it has any; else those of the member with the most stacked survivors.
            if (cs[cc].stacked() == 0 && cs[c].stacked() > stackedMost) {
                stackedMost = cs[c].stacked();
                stacksFrom = c;
            }
        }
        // A cause tag without stacks is named by the stacks the finding shows, so the name and the stack printed
        // under it agree (it was named by whichever member came first, and showed another's stack); the why says so.
        String namedBy = null;
        if (causeName == null) {
            int from = cs[stacksFrom].cause() != null ? stacksFrom : -1;
            for (int k = 0; from < 0 && k < size; k++) {
                if (cs[m.get(order[k])].cause() != null) {
                    from = m.get(order[k]);
                }
            }
            if (from >= 0) {
                causeName = cs[from].cause();
                namedBy = ledger.tagName(TagKind.CACHE, gs.cCache[from]) + " / " + ledger.tagName(TagKind.SITE,
                        gs.cSite[from]);
            }
        }
        Evidence ev = judged[cause].evidence();
        List<String> why = new ArrayList<>();
        why.add(String.format(Locale.ROOT, "growth %.1f/s, R² %.3f over %.1f s; oldest survivor %.1f s old",
                judged[cause].growthPerS(), ev.r2(), ev.survivors().size() * ev.bucketSeconds(), ev.ageSeconds()));
        why.add(String.format(Locale.ROOT, "strength %.2f (%d mature survivors), sustained %.2f", ev.strength(),
                cell[cc].mature, ev.sustained()));
        why.add(String.format(Locale.ROOT, "churn: %.0f%% of %s's allocations freed again (retention x%.2f)",
                100 * ev.churn(), causeTag, ev.retention()));
        why.add(String.format(Locale.ROOT, "reclaimable: %s (x%.2f)", ev.pool() < 1 ? "yes" : "no", ev.pool()));
        why.add(String.format(Locale.ROOT, "untraced frees: %s (x%.2f)", ev.untraceable() < 1 ? "flagged" : "none known",
                ev.untraceable()));
        why.add(ev.procfsCache() == null ? "slabinfo: no series to confirm (x0.80)"
                : String.format(Locale.ROOT, "slabinfo %s confirms x%.2f", ev.procfsCache(), ev.confirmation()));
        why.add(String.format(Locale.ROOT, "loss x%.2f", ev.loss()));
        why.add(burst ? String.format(Locale.ROOT, "companions: %d in lockstep of %d members, no lift: the cause grew"
                + " for only %.1f s, and a burst's objects all rise together (confidence %.2f)", lockstep, size, grewS,
                confidence)
                : String.format(Locale.ROOT, "companions: %d in lockstep of %d members (strength %.2f -> %.2f,"
                + " confidence %.2f -> %.2f)", lockstep, size, strength, lifted, base, confidence));
        for (String note : ev.notes()) {
            why.add(note);
        }
        if (namedBy != null) {
            why.add("named by the stacks of " + namedBy + ": the cause tag " + causeTag + " has none");
        }
        // A merged cache is named by its first creator: say what else it holds, so mnt_cache holding POSIX timers
        // reads as what it is.
        java.util.Set<Integer> told = new java.util.HashSet<>();
        for (Integer i : order) {
            int cacheTag = gs.cCache[m.get(i)];
            List<String> aliases = cacheTag < 0 || !told.add(cacheTag) ? List.of() : ledger.cacheAliases(cacheTag);
            String cacheName = aliases.isEmpty() ? null : ledger.tagName(TagKind.CACHE, cacheTag);
            if (cacheName != null && (cacheName.startsWith(pooltag.core.ledger.CacheCatalog.UNNAMED_CACHE_PREFIX)
                    || cacheName.contains(pooltag.core.ledger.CacheCatalog.CANDIDATE_SEPARATOR))) {
                why.add("unnamed cache: " + cacheName + " is one of " + String.join(" ", aliases) + " (this"
                        + " kernel's kmem_cache_alloc events carry no cache name, before 6.2; these are the caches whose"
                        + " object and slot sizes, and accounting where the events tell it, match its events')");
            } else if (!aliases.isEmpty()) {
                why.add("merged cache: " + ledger.tagName(TagKind.CACHE, cacheTag) + " also holds "
                        + String.join(" ", aliases) + " (the kernel names a merged cache by its first creator; the"
                        + " call site and stack say what the objects are)");
            }
        }
        int p = pid[cc];
        String name = causeName != null ? causeName : p >= 0 ? "pid " + p + " via " + causeTag : causeTag;
        List<StackSummary> stacks = judged[m.indexOf(stacksFrom)].topStacks();
        return new Finding(name, causeTag, p, Math.min(1, confidence), List.copyOf(members), List.copyOf(why), stacks, ev,
                lockstep);
    }

    /**
     * Names the cause of a cell's stacked survivors (by majority) and whether they show it to be a consequence. With
     * {@code ownerOnly}, only the survivors its majority process made count: a cell such as {@code filp} /
     * {@code alloc_empty_file} also holds every other process's open files, whose stacks say {@code openat}.
     */
    /**
     * The cell's stacks: those of its mature survivors; when none of them has a stack, those of its younger survivors
     * (a short hunt arms a leader's stacks after its first survivors are made, so its stacked allocations are often
     * younger than the age threshold). The age threshold is about whether growth is evidence; which call makes the
     * cell's objects any of its survivors can tell.
     */
    private static CellStacks cellStacks(Groups gs, Acc a, boolean ownerOnly) {
        CellStacks mature = cellStacks(gs, a, ownerOnly, true);
        return mature.stacked() > 0 ? mature : cellStacks(gs, a, ownerOnly, false);
    }

    private static CellStacks cellStacks(Groups gs, Acc a, boolean ownerOnly, boolean matureOnly) {
        StackFacts facts = gs.stacks;
        // Weight per cause id, zero on entry and zeroed again below: no map, no boxing.
        long[] byCause = gs.causeWeight;
        long stacked = 0, nested = 0, constructed = 0;
        String constructor = null;
        for (int i = 0; i < a.ng; i++) {
            int g = a.groups[i];
            int stack = gs.gStack[g];
            long weight = matureOnly ? (ownerOnly ? gs.gPidMature[g] : a.sMature[i])
                    : ownerOnly ? gs.gPidAll[g] : a.sN[i];
            if (stack < 0 || weight == 0) {
                continue;
            }
            stacked += weight;
            int cause = facts.cause(stack);
            if (cause >= 0) {
                if (cause >= byCause.length) {
                    byCause = gs.causeWeight = Arrays.copyOf(byCause, Math.max(cause + 1, 2 * byCause.length));
                }
                byCause[cause] += weight;
            }
            if (facts.nested(stack)) {
                nested += weight;
            }
            String ctor = facts.constructor(stack);
            if (ctor != null) {
                constructed += weight;
                constructor = ctor;
            }
        }
        // The heaviest cause; ties go to the name first in alphabetical order.
        String cause = null;
        long bestW = 0;
        for (int id = 0, n = Math.min(byCause.length, facts.causeCount()); id < n; id++) {
            long w = byCause[id];
            if (w == 0) {
                continue;
            }
            String name = facts.causeName(id);
            if (w > bestW || w == bestW && name.compareTo(cause) < 0) {
                bestW = w;
                cause = name;
            }
            byCause[id] = 0;
        }
        return new CellStacks(cause, stacked, constructed * 2 > stacked ? constructor : null, nested * 2 > stacked
                && stacked > 0);
    }

    private static double[] cumulative(long[] perBucket) {
        double[] out = new double[perBucket.length];
        double cum = 0;
        for (int i = 0; i < perBucket.length; i++) {
            cum += perBucket[i];
            out[i] = cum;
        }
        return out;
    }

    /** Pearson correlation of two series; 0 when either is flat. */
    static double correlation(double[] a, double[] b) {
        int n = a.length;
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= n;
        mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
    }

    private static int find(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    /**
     * Suspects ordered by finding: per finding (in its order) its cause tag first, then its cause's cache, then the
     * finding's other tags by confidence; a tag belongs to the finding holding most of its mature survivors. Then
     * the tags of no finding, by confidence.
     */
    private static List<Suspect> orderByFinding(List<Suspect> suspects, Map<Suspect, Acc> accs, Groups gs,
                                                int[] cellFinding, List<Finding> findings) {
        int nf = findings.size();
        List<List<Suspect>> per = new ArrayList<>(nf + 1);
        for (int i = 0; i <= nf; i++) {
            per.add(new ArrayList<>());
        }
        long[] mature = new long[nf + 1];
        for (Suspect s : suspects) {
            if (s.kind() == TagKind.CGROUP) {
                // A cgroup's survivors span every finding its tasks made: it belongs to none and is never capped.
                per.get(nf).add(s);
                continue;
            }
            Acc a = accs.get(s);
            Arrays.fill(mature, 0);
            for (int i = 0; i < a.ng; i++) {
                int g = a.groups[i];
                int f = cellFinding[gs.gCell[g]];
                mature[f < 0 ? nf : f] += a.sMature[i];
            }
            int best = nf;
            for (int f = 0; f < nf; f++) {
                if (mature[f] > mature[best] || mature[f] == mature[best] && best == nf) {
                    best = mature[f] > 0 ? f : best;
                }
            }
            if (best < nf && s.confidence() > findings.get(best).confidence()) {
                // A tag is never surer than the finding its objects belong to (LSM blobs of a file scan's inodes).
                Finding f = findings.get(best);
                Evidence e = s.evidence();
                List<String> notes = new ArrayList<>(e.notes());
                notes.add(String.format(Locale.ROOT, "capped at the confidence of its finding (%s, %.2f)", f.cause(),
                        f.confidence()));
                e = new Evidence(e.bucketSeconds(), e.survivors(), e.procfsSeconds(), e.procfsLive(), e.procfsCache(),
                        e.strength(), e.sustained(), e.retention(), e.confirmation(), e.untraceable(), e.pool(),
                        e.loss(), e.r2(), e.ageSeconds(), e.churn(), List.copyOf(notes));
                s = new Suspect(s.tag(), s.kind(), s.pool(), s.module(), s.outstanding(), s.outstandingBytes(),
                        s.growthPerS(), s.growthBytesPerS(), f.confidence(), e, s.topStacks());
            }
            per.get(best).add(s);
        }
        List<Suspect> out = new ArrayList<>(suspects.size());
        for (int f = 0; f < nf; f++) {
            Finding fd = findings.get(f);
            Finding.Member cause = fd.members().get(0);
            List<Suspect> l = per.get(f);
            l.sort(Comparator.comparingInt((Suspect s) -> s.kind() == TagKind.SITE && s.tag().equals(fd.causeTag()) ? 0
                    : s.kind() == TagKind.CACHE && s.tag().equals(cause.cache()) ? 1 : 2).thenComparing(BY_CONFIDENCE));
            out.addAll(l);
        }
        out.addAll(per.get(nf));
        return out;
    }

    /**
     * The call sites leading by recent growth: outstanding allocations made within the frame's age window (younger
     * ones are churn in flight; older ones are a population that no longer grows, such as a long-lived process's
     * mappings), most first, ties to the lower id: what the hunter arms stack triggers on. Reads only the published
     * frame, so any thread may call it while the ledger's writer goes on; O(sites log sites).
     *
     * @return site tag ids, at most {@code n}
     */
    public static int[] leadingSites(RecentSites recent, int n) {
        long[] keyed = new long[recent.sites()];
        int m = 0;
        for (int s = 0; s < keyed.length; s++) {
            long c = recent.count(s);
            if (c > 0) {
                keyed[m++] = (c << 24) | (0xffffffL - s); // site ids < 2^20 (the ledger folds the rest)
            }
        }
        Arrays.sort(keyed, 0, m);
        int[] out = new int[Math.min(n, m)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) (0xffffffL - (keyed[m - 1 - i] & 0xffffffL));
        }
        return out;
    }

    /**
     * Per cache name: {times ns, live objects, live slack} of the samples inside [start, matureEnd] (the span the survivor
     * series covers), or inside [start, end] when fewer than two fall there, or all samples when the clocks do not
     * overlap at all. Live is summed over pools.
     */
    private static Map<String, double[][]> procfsSeries(List<UsageSnapshot> snaps, long start, long matureEnd,
                                                        long end) {
        List<UsageSnapshot> use = within(snaps, start, matureEnd);
        if (use.size() < 2) {
            use = within(snaps, start, end);
        }
        if (use.size() < 2) {
            use = new ArrayList<>(snaps);
        }
        use.sort(Comparator.comparingLong(UsageSnapshot::takenAtNanos));
        Map<String, List<double[]>> points = new HashMap<>();
        for (UsageSnapshot s : use) {
            Map<String, long[]> live = new HashMap<>(); // {live, slack}, summed over pools
            for (TagUsage u : s.rows()) {
                if (u.kind() == TagKind.CACHE) {
                    long[] v = live.computeIfAbsent(u.tag(), x -> new long[2]);
                    v[0] += u.live();
                    v[1] += u.liveSlack();
                }
            }
            for (Map.Entry<String, long[]> e : live.entrySet()) {
                points.computeIfAbsent(e.getKey(), x -> new ArrayList<>())
                        .add(new double[]{s.takenAtNanos(), e.getValue()[0], e.getValue()[1]});
            }
        }
        Map<String, double[][]> out = new HashMap<>();
        for (Map.Entry<String, List<double[]>> e : points.entrySet()) {
            List<double[]> p = e.getValue();
            if (p.size() < 2) {
                continue;
            }
            double[][] xy = new double[3][p.size()];
            for (int i = 0; i < p.size(); i++) {
                for (int r = 0; r < 3; r++) {
                    xy[r][i] = p.get(i)[r];
                }
            }
            out.put(e.getKey(), xy);
        }
        return out;
    }

    private static List<UsageSnapshot> within(List<UsageSnapshot> snaps, long from, long to) {
        List<UsageSnapshot> out = new ArrayList<>();
        for (UsageSnapshot s : snaps) {
            if (s.takenAtNanos() >= from && s.takenAtNanos() <= to) {
                out.add(s);
            }
        }
        return out;
    }
}
