package pooltag.core.snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.tag.TagPattern;

/**
 * PoolMon's table over two consecutive snapshots: rows per (tag, pool) with the change since the previous refresh,
 * sorted and filtered by PoolMon's keys. Immutable settings; {@link #rows} is pure.
 *
 * <p>Sort keys: t tag, a allocs, f frees, d diff, b bytes, m bytes per alloc. By-change sorts by the change of the
 * same column (PoolMon's {@code (} key). Numeric sorts are descending, as PoolMon's are.
 */
public final class PoolMonModel {
    public enum SortKey {
        TAG('t'), ALLOCS('a'), FREES('f'), DIFF('d'), BYTES('b'), PER_ALLOC('m');

        public final char key;

        SortKey(char key) {
            this.key = key;
        }

        public static SortKey ofKey(char c) {
            for (SortKey k : values()) {
                if (k.key == Character.toLowerCase(c)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown sort key '" + c + "' (t a f d b m)");
        }
    }

    /** PoolMon's p key cycles through these. */
    public enum PoolFilter {
        ALL, NONPAGED, PAGED;

        public PoolFilter next() {
            return values()[(ordinal() + 1) % values().length];
        }

        boolean admits(Pool p) {
            return this == ALL || (this == NONPAGED ? p == Pool.NONPAGED : p == Pool.PAGED);
        }
    }

    /**
     * One row. Changes are {@link TagUsage#UNKNOWN} where the counter is unknown or the tag is new this refresh
     * (it is then shown as all change).
     */
    public record Row(TagUsage now, long allocsChange, long freesChange, long diffChange, long bytesChange) {
    }

    public record Totals(long allocs, long frees, long live, long bytes) {
    }

    private final SortKey sort;
    private final boolean byChange;
    private final PoolFilter pools;
    private final List<TagPattern> include;
    private final List<TagPattern> exclude;

    public PoolMonModel(SortKey sort, boolean byChange, PoolFilter pools, List<TagPattern> include,
                        List<TagPattern> exclude) {
        this.sort = sort;
        this.byChange = byChange;
        this.pools = pools;
        this.include = List.copyOf(include);
        this.exclude = List.copyOf(exclude);
    }

    public static PoolMonModel defaults() {
        return new PoolMonModel(SortKey.BYTES, false, PoolFilter.ALL, List.of(), List.of());
    }

    public SortKey sort() {
        return sort;
    }

    public boolean byChange() {
        return byChange;
    }

    public PoolFilter pools() {
        return pools;
    }

    public List<TagPattern> include() {
        return include;
    }

    public List<TagPattern> exclude() {
        return exclude;
    }

    public PoolMonModel withSort(SortKey k) {
        return new PoolMonModel(k, false, pools, include, exclude);
    }

    public PoolMonModel withByChange(boolean b) {
        return new PoolMonModel(sort, b, pools, include, exclude);
    }

    public PoolMonModel withPools(PoolFilter p) {
        return new PoolMonModel(sort, byChange, p, include, exclude);
    }

    public PoolMonModel withInclude(List<TagPattern> inc) {
        return new PoolMonModel(sort, byChange, pools, inc, exclude);
    }

    public PoolMonModel withExclude(List<TagPattern> exc) {
        return new PoolMonModel(sort, byChange, pools, include, exc);
    }

    /** True when a tag passes the include (any, or none given) and exclude (none) patterns. */
    public boolean admits(String tag) {
        if (!include.isEmpty()) {
            boolean any = false;
            for (TagPattern p : include) {
                if (p.matches(tag)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        for (TagPattern p : exclude) {
            if (p.matches(tag)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param previous the snapshot of the last refresh, or null on the first
     */
    public List<Row> rows(UsageSnapshot previous, UsageSnapshot current) {
        Map<String, TagUsage> before = new HashMap<>();
        if (previous != null) {
            for (TagUsage u : previous.rows()) {
                before.put(key(u), u);
            }
        }
        List<Row> rows = new ArrayList<>(current.rows().size());
        for (TagUsage u : current.rows()) {
            if (!pools.admits(u.pool()) || !admits(u.tag())) {
                continue;
            }
            TagUsage b = before.get(key(u));
            if (previous == null) {
                rows.add(new Row(u, 0, 0, 0, 0));
            } else if (b == null) {
                rows.add(new Row(u, change(u.allocs(), 0), change(u.frees(), 0), u.live(), u.bytes()));
            } else {
                rows.add(new Row(u, change(u.allocs(), b.allocs()), change(u.frees(), b.frees()),
                        u.live() - b.live(), u.bytes() - b.bytes()));
            }
        }
        rows.sort(comparator());
        return rows;
    }

    public Totals totals(List<Row> rows) {
        long a = 0, f = 0, l = 0, b = 0;
        for (Row r : rows) {
            a = r.now().allocs() == TagUsage.UNKNOWN || a == TagUsage.UNKNOWN ? TagUsage.UNKNOWN : a + r.now().allocs();
            f = r.now().frees() == TagUsage.UNKNOWN || f == TagUsage.UNKNOWN ? TagUsage.UNKNOWN : f + r.now().frees();
            l += r.now().live();
            b += r.now().bytes();
        }
        return new Totals(a, f, l, b);
    }

    private static long change(long now, long before) {
        return now == TagUsage.UNKNOWN || before == TagUsage.UNKNOWN ? TagUsage.UNKNOWN : now - before;
    }

    private static String key(TagUsage u) {
        return u.pool().ordinal() + u.tag();
    }

    private Comparator<Row> comparator() {
        Comparator<Row> byTag = Comparator.comparing((Row r) -> r.now().tag()).thenComparing(r -> r.now().pool());
        if (sort == SortKey.TAG) {
            return byTag;
        }
        Comparator<Row> numeric = Comparator.comparingLong(this::sortValue).reversed();
        return numeric.thenComparing(byTag);
    }

    private long sortValue(Row r) {
        TagUsage u = r.now();
        if (byChange) {
            return switch (sort) {
                case ALLOCS -> r.allocsChange();
                case FREES -> r.freesChange();
                case DIFF -> r.diffChange();
                case BYTES, PER_ALLOC, TAG -> r.bytesChange();
            };
        }
        return switch (sort) {
            case ALLOCS -> u.allocs();
            case FREES -> u.frees();
            case DIFF -> u.live();
            case BYTES -> u.bytes();
            case PER_ALLOC -> u.bytesPerAlloc();
            case TAG -> 0;
        };
    }
}
