package pooltag.core.rank;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerStats;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Ranks tags as leak suspects for {@code hunt}: by sustained growth of allocations that stay outstanding, checked
 * against {@code /proc/slabinfo}, not by outstanding bytes alone (kernel-notes: "Gotchas that make false leaks").
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
 * <p><b>Threshold.</b> {@link RankOptions#DEFAULT_THRESHOLD} 0.5: a tag needs at least about 10 mature survivors,
 * growth spread over most buckets of at least the sustain time, and no strong contrary evidence; any one strong
 * discount (slabinfo flat, untraceable, heavy loss) puts it below. A Paged (reclaimable) tag is ranked and listed
 * but never crosses the threshold on growth alone: page cache, dentries and buffer heads grow under any file scan
 * and are given back under pressure. Its note says how to tell (drop caches, hunt again).
 *
 * <p><b>Hunt length.</b> Evidence needs allocations older than the age threshold growing over the sustain time, so a
 * hunt shorter than their sum (1 s + 2 s by default) cannot call anything a leak; 10 s or more is better. A leak
 * that starts late in a hunt is discounted for the part of the sustain time it has not yet covered.
 *
 * <p>Runs on the ledger's writer thread (it reads live ledger state), once per hunt; it allocates freely.
 */
public final class SuspectRanker {
    private static final int MAX_BUCKETS = 240;
    private static final double STRENGTH_HALF = 10;
    private static final double UNKNOWN_CONFIRMATION = 0.8;
    private static final double UNTRACEABLE_FACTOR = 0.5;
    private static final double PAGED_FACTOR = 0.5;

    private SuspectRanker() {
    }

    /** Per (kind, tag, pool) accumulator over the outstanding table. */
    private static final class Acc {
        final TagKind kind;
        final int tagId;
        final int pool;
        long n, bytes, mature, matureBytes;
        final long[] perBucket;
        final Map<Integer, long[]> stacks = new HashMap<>();
        final Map<Integer, Long> cacheBytes = new HashMap<>();
        final Map<Integer, Long> siteBytes = new HashMap<>();

        Acc(TagKind kind, int tagId, int pool, int buckets) {
            this.kind = kind;
            this.tagId = tagId;
            this.pool = pool;
            this.perBucket = new long[buckets];
        }
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
        // already drops the stale entry, so they are reported but do not cost confidence; lost events do.
        long lossy = st.lostEvents();
        double lossFraction = st.events() == 0 ? 0 : (double) lossy / st.events();
        double lossFactor = Math.max(0.25, 1 - 5 * lossFraction);
        if (lossy > 0) {
            notes.add(String.format(Locale.ROOT, "%d events lost: every confidence x%.2f; enlarge the trace buffer"
                    + " (--buffer-kb) to lose fewer", st.lostEvents(), lossFactor));
        }
        if (st.doubleAllocs() > 0) {
            notes.add(String.format(Locale.ROOT, "%d allocations at an address still outstanding: frees the kernel"
                    + " does not trace (kfree_rcu, bulk frees) or lost; the stale entries were dropped",
                    st.doubleAllocs()));
        }
        long matureEnd = end - o.ageThresholdNanos();
        long window = matureEnd - start;
        if (st.events() == 0 || window <= 0) {
            notes.add(String.format(Locale.ROOT, "the window (%.1f s) is not longer than the age threshold (%.1f s):"
                    + " no allocation is old enough to be evidence; hunt longer", durationS, o.ageThresholdNanos() / 1e9));
            return new HuntReport(durationS, st.events(), st.lostEvents(), st.unpairedFrees(), st.doubleAllocs(),
                    o.threshold(), List.of(), List.copyOf(notes));
        }
        int k = (int) Math.min(MAX_BUCKETS, Math.max(o.minBuckets(), (window + o.bucketNanos() - 1) / o.bucketNanos()));
        double bucketNs = (double) window / k;

        Map<Long, Acc> accs = new HashMap<>();
        TagKind[] kinds = o.kinds().toArray(new TagKind[0]);
        ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool) -> {
            for (TagKind kind : kinds) {
                int tagId = switch (kind) {
                    case CACHE -> cacheTag;
                    case SITE -> siteTag;
                    case MODULE -> ledger.moduleOfSite(siteTag);
                    case STACK -> stackId;
                    default -> -1;
                };
                if (tagId < 0) {
                    continue;
                }
                long key = ((long) kind.ordinal() << 40) | ((long) tagId << 1) | pool;
                Acc a = accs.computeIfAbsent(key, x -> new Acc(kind, tagId, pool, k));
                a.n++;
                a.bytes += bytes;
                a.cacheBytes.merge(cacheTag, bytes, Long::sum);
                a.siteBytes.merge(siteTag, bytes, Long::sum);
                long[] sg = a.stacks.computeIfAbsent(stackId, x -> new long[2]);
                sg[0]++;
                sg[1] += bytes;
                if (allocNs <= matureEnd) {
                    a.mature++;
                    a.matureBytes += bytes;
                    int b = (int) Math.min(k - 1, Math.max(0, (long) ((allocNs - start) / bucketNs)));
                    a.perBucket[b]++;
                }
            }
        });

        Map<String, double[][]> procfsSeries = procfsSeries(procfs, start, matureEnd, end);
        List<Suspect> out = new ArrayList<>();
        for (Acc a : accs.values()) {
            if (a.mature >= o.minOutstanding()) {
                out.add(judge(ledger, a, k, bucketNs, start, o, procfsSeries, lossFactor));
            }
        }
        out.sort(Comparator.comparingDouble(Suspect::confidence).reversed()
                .thenComparing(Comparator.comparingLong(Suspect::outstandingBytes).reversed())
                .thenComparing(Suspect::tag));
        return new HuntReport(durationS, st.events(), st.lostEvents(), st.unpairedFrees(), st.doubleAllocs(),
                o.threshold(), List.copyOf(out), List.copyOf(notes));
    }

    /**
     * The reclaimable-object constructor on the stacks of most of the tag's outstanding allocations that have a
     * stack, or null. Frames 0 and 1 (allocator, call site) are skipped: a constructor's own allocations are its
     * cache's business.
     */
    private static String reclaimableCompanion(Ledger ledger, Acc a) {
        long withStack = 0;
        long through = 0;
        String seen = null;
        for (Map.Entry<Integer, long[]> e : a.stacks.entrySet()) {
            if (e.getKey() < 0) {
                continue;
            }
            withStack += e.getValue()[0];
            for (String fn : ledger.policy().reclaimableConstructors()) {
                if (ledger.stackPassesThrough(e.getKey(), java.util.Set.of(fn), 2)) {
                    through += e.getValue()[0];
                    seen = fn;
                    break;
                }
            }
        }
        return withStack > 0 && through * 2 > withStack ? seen : null;
    }

    private static Suspect judge(Ledger ledger, Acc a, int k, double bucketNs, long start, RankOptions o,
                                 Map<String, double[][]> procfs, double lossFactor) {
        List<String> notes = new ArrayList<>();
        Pool pool = Pool.values()[a.pool];
        String tag = ledger.tagName(a.kind, a.tagId);
        double bucketS = bucketNs / 1e9;

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
        double slope = LeastSquares.slope(t, c, k);
        double meanSize = (double) a.matureBytes / a.mature;

        double strength = a.mature / (a.mature + STRENGTH_HALF);
        int spanBuckets = last - first + 1;
        double density = (double) grew / spanBuckets;
        double spanFactor = Math.min(1, spanBuckets * bucketNs / o.sustainNanos());
        double sustained = density * spanFactor;
        if (spanFactor < 1) {
            notes.add(String.format(Locale.ROOT, "grew for only %.1f s (a burst, or a hunt too short to tell)",
                    spanBuckets * bucketS));
        }
        if (density < 0.7) {
            notes.add(String.format(Locale.ROOT, "grew in %d of %d buckets", grew, spanBuckets));
        }

        long allocs = ledger.usage(a.kind, a.tagId, pool).allocs();
        double r = allocs <= 0 ? 1 : (double) a.mature / allocs;
        double retention = 0.5 + 0.5 * Math.min(1, 10 * r);
        if (retention < 1) {
            notes.add(String.format(Locale.ROOT, "high turnover: %d of %d allocations survive", a.mature, allocs));
        }

        int cacheTag = a.kind == TagKind.CACHE ? a.tagId : argmax(a.cacheBytes);
        String cache = ledger.tagName(TagKind.CACHE, cacheTag);
        double[][] series = procfs.get(cache);
        double confirmation;
        List<Double> pSec = new ArrayList<>();
        List<Long> pLive = new ArrayList<>();
        double confirm = Double.NaN;
        if (series == null) {
            confirmation = UNKNOWN_CONFIRMATION;
            notes.add("no /proc/slabinfo series for cache " + cache + " to confirm the growth");
        } else {
            int n = series[0].length;
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = (series[0][i] - start) / 1e9;
                pSec.add(x[i]);
                pLive.add((long) series[1][i]);
            }
            double procfsSlope = LeastSquares.slope(x, series[1], n);
            confirm = slope > 0 ? Math.max(0, Math.min(1, procfsSlope / slope)) : 0;
            confirmation = 0.25 + 0.75 * confirm;
            if (confirm < 0.9) {
                notes.add(String.format(Locale.ROOT, "/proc/slabinfo %s grows %.1f/s against %.1f/s seen in events",
                        cache, procfsSlope, slope));
            }
        }
        boolean flagged = ledger.isUntraceable(a.kind, a.tagId) || ledger.isUntraceable(TagKind.CACHE, cacheTag);
        double untraceable = flagged ? UNTRACEABLE_FACTOR : 1;
        if (flagged) {
            notes.add("freed through untraced paths (kfree_rcu, bulk frees): outstanding objects may be long gone");
        } else if (!Double.isNaN(confirm) && confirm < 0.5
                && ledger.usage(TagKind.CACHE, cacheTag, pool).frees() == 0) {
            notes.add("no free event seen for cache " + cache + " while /proc/slabinfo stays flat: its frees are"
                    + " probably untraced (kfree_rcu, bulk); mark it untraceable");
        }
        double poolFactor = pool == Pool.PAGED ? PAGED_FACTOR : 1;
        if (pool == Pool.PAGED) {
            notes.add("Paged (reclaimable) cache: grows under file scans and shrinks under memory pressure; to tell a"
                    + " leak, write 2 to /proc/sys/vm/drop_caches and hunt again: a leak keeps its objects");
        } else {
            String constructor = reclaimableCompanion(ledger, a);
            if (constructor != null) {
                poolFactor = PAGED_FACTOR;
                notes.add("allocated while constructing a reclaimable object (" + constructor + " is on most of its"
                        + " stacks): it lives and dies with an inode or dentry, so it is discounted as Paged is");
            }
        }
        double confidence = strength * sustained * retention * confirmation * untraceable * poolFactor * lossFactor;
        confidence = Math.max(0, Math.min(1, confidence));

        int siteTag = a.kind == TagKind.SITE ? a.tagId : argmax(a.siteBytes);
        String module = a.kind == TagKind.MODULE ? tag : ledger.tagName(TagKind.MODULE, ledger.moduleOfSite(siteTag));

        Evidence ev = new Evidence(bucketS, List.copyOf(survivors), List.copyOf(pSec), List.copyOf(pLive), strength,
                sustained, retention, confirmation, untraceable, poolFactor, lossFactor, List.copyOf(notes));
        return new Suspect(tag, a.kind, pool, module, a.n, a.bytes, slope, slope * meanSize, confidence, ev,
                topStacks(ledger, a, o.topStacks()));
    }

    private static List<StackSummary> topStacks(Ledger ledger, Acc a, int n) {
        List<Map.Entry<Integer, long[]>> es = new ArrayList<>(a.stacks.entrySet());
        es.sort(Comparator.comparingLong((Map.Entry<Integer, long[]> e) -> e.getValue()[1]).reversed()
                .thenComparingInt(Map.Entry::getKey));
        List<StackSummary> out = new ArrayList<>(Math.min(n, es.size()));
        for (Map.Entry<Integer, long[]> e : es) {
            if (out.size() >= n) {
                break;
            }
            int id = e.getKey();
            out.add(id < 0 ? new StackSummary("[no stack]", e.getValue()[0], e.getValue()[1], new long[0])
                    : new StackSummary(ledger.stackTag(id), e.getValue()[0], e.getValue()[1], ledger.stackFrames(id)));
        }
        return List.copyOf(out);
    }

    private static int argmax(Map<Integer, Long> m) {
        int best = -1;
        long bestV = Long.MIN_VALUE;
        for (Map.Entry<Integer, Long> e : m.entrySet()) {
            if (e.getValue() > bestV || e.getValue() == bestV && e.getKey() < best) {
                best = e.getKey();
                bestV = e.getValue();
            }
        }
        return best;
    }

    /**
     * Per cache name: {times ns, live objects} of the samples inside [start, matureEnd] (the span the survivor
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
            Map<String, Long> live = new HashMap<>();
            for (TagUsage u : s.rows()) {
                if (u.kind() == TagKind.CACHE) {
                    live.merge(u.tag(), u.live(), Long::sum);
                }
            }
            for (Map.Entry<String, Long> e : live.entrySet()) {
                points.computeIfAbsent(e.getKey(), x -> new ArrayList<>())
                        .add(new double[]{s.takenAtNanos(), e.getValue()});
            }
        }
        Map<String, double[][]> out = new HashMap<>();
        for (Map.Entry<String, List<double[]>> e : points.entrySet()) {
            List<double[]> p = e.getValue();
            if (p.size() < 2) {
                continue;
            }
            double[][] xy = new double[2][p.size()];
            for (int i = 0; i < p.size(); i++) {
                xy[0][i] = p.get(i)[0];
                xy[1][i] = p.get(i)[1];
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
