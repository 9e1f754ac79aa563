package pooltag.core.snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import pooltag.core.tag.TagKind;
import pooltag.core.tag.TagPattern;

/**
 * {@code !poolused [Flags [TagString]]} over any {@link UsageSnapshot}: the flags exactly as WinDbg takes them
 * (a hex number, as the debugger's default radix), the TagString with {@code *} and {@code ?}.
 *
 * <ul>
 *   <li>0: summary sorted by tag; bit 0x1: verbose (Allocs, Frees, Diff, Used per pool);</li>
 *   <li>0x2: sort by NonPaged bytes, 0x4: by Paged bytes (both together is an error, as in WinDbg);</li>
 *   <li>0x8: session pool, which Linux does not have: rejected with a message that says so.</li>
 * </ul>
 */
public final class PoolUsedQuery {
    public enum Sort {
        TAG("Tag"), NONPAGED("NonPaged Pool Consumed"), PAGED("Paged Pool Consumed");

        private final String title;

        Sort(String title) {
            this.title = title;
        }

        /** The text after {@code Sorting by } in WinDbg's header. */
        public String title() {
            return title;
        }

        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One output row: a tag with its usage in each pool (either may be null when the tag has none there). */
    public record Row(String tag, TagKind kind, String description, TagUsage nonPaged, TagUsage paged) {
        public long nonPagedBytes() {
            return nonPaged == null ? 0 : nonPaged.bytes();
        }

        public long pagedBytes() {
            return paged == null ? 0 : paged.bytes();
        }
    }

    /** Sums over the rows shown, per pool. Allocs/frees are {@link TagUsage#UNKNOWN} if any row lacks them. */
    public record Totals(long nonPagedAllocs, long nonPagedFrees, long nonPagedLive, long nonPagedBytes,
                         long pagedAllocs, long pagedFrees, long pagedLive, long pagedBytes) {
    }

    public record Result(Sort sort, boolean verbose, List<Row> rows, Totals totals, UsageSnapshot snapshot) {
    }

    private final boolean verbose;
    private final Sort sort;
    private final TagPattern pattern;

    private PoolUsedQuery(boolean verbose, Sort sort, TagPattern pattern) {
        this.verbose = verbose;
        this.sort = sort;
        this.pattern = pattern;
    }

    /**
     * Parses WinDbg's arguments.
     *
     * @param flags     the Flags argument, hex as WinDbg reads it ({@code 4}, {@code 0x4}); null means 0
     * @param tagString the TagString, or null for every tag
     * @throws IllegalArgumentException with WinDbg-like wording for bad or unsupported flags
     */
    public static PoolUsedQuery parse(String flags, String tagString) {
        long f = 0;
        if (flags != null) {
            String s = flags.trim();
            if (s.startsWith("0x") || s.startsWith("0X")) {
                s = s.substring(2);
            }
            try {
                f = Long.parseLong(s, 16);
            } catch (NumberFormatException e) {
                f = -1;
            }
            if (f < 0 || s.startsWith("+")) {
                throw new IllegalArgumentException("bad Flags '" + flags + "': a hex number such as 0, 1, 2 or 4");
            }
        }
        if ((f & ~0xFL) != 0) {
            // The value as typed: the bits alone (0xfffffff0) would read like an address, and be masked as one
            throw new IllegalArgumentException("unknown Flags bits in '" + flags.trim()
                    + "' (known: 0x1 verbose, 0x2 NonPaged sort, 0x4 Paged sort, 0x8 session pool)");
        }
        if ((f & 0x8) != 0) {
            throw new IllegalArgumentException("Flags 0x8 (session pool) is not on Linux: the kernel has no"
                    + " session pool; drop 0x8 to see the standard pools");
        }
        if ((f & 0x6) == 0x6) {
            throw new IllegalArgumentException("Flags 0x2 and 0x4 cannot be combined: sort by NonPaged (2) or by Paged (4)");
        }
        Sort sort = (f & 0x2) != 0 ? Sort.NONPAGED : (f & 0x4) != 0 ? Sort.PAGED : Sort.TAG;
        TagPattern p = tagString == null ? TagPattern.any() : TagPattern.of(tagString);
        return new PoolUsedQuery((f & 0x1) != 0, sort, p);
    }

    public Sort sort() {
        return sort;
    }

    public boolean verbose() {
        return verbose;
    }

    public TagPattern pattern() {
        return pattern;
    }

    public Result apply(UsageSnapshot snapshot) {
        Map<String, TagUsage[]> byTag = new LinkedHashMap<>();
        Map<String, TagUsage> first = new LinkedHashMap<>();
        for (TagUsage u : snapshot.rows()) {
            if (!(u.kind() == TagKind.POOL ? pattern.matchesPoolTag(u.tag()) : pattern.matches(u.tag()))) {
                continue;
            }
            TagUsage[] pair = byTag.computeIfAbsent(u.tag(), k -> new TagUsage[2]);
            int i = u.pool().ordinal();
            pair[i] = pair[i] == null ? u : sum(pair[i], u);
            first.putIfAbsent(u.tag(), u);
        }
        List<Row> rows = new ArrayList<>(byTag.size());
        for (Map.Entry<String, TagUsage[]> e : byTag.entrySet()) {
            TagUsage f = first.get(e.getKey());
            TagUsage[] p = e.getValue();
            rows.add(new Row(e.getKey(), f.kind(), f.description(), p[Pool.NONPAGED.ordinal()], p[Pool.PAGED.ordinal()]));
        }
        // Written out rather than composed with Comparator.comparingLong(..).reversed().thenComparing(..): those
        // build lambdas inside the JDK at run time, which the AOT cache does not hold (start-up, docs/PERFORMANCE.md).
        Comparator<Row> order = switch (sort) {
            case TAG -> PoolUsedQuery::byTagName;
            case NONPAGED -> PoolUsedQuery::byNonPagedUse;
            case PAGED -> PoolUsedQuery::byPagedUse;
        };
        rows.sort(order);
        return new Result(sort, verbose, List.copyOf(rows), totals(rows), snapshot);
    }

    private static int byTagName(Row a, Row b) {
        return a.tag().compareTo(b.tag());
    }

    /** Most NonPaged bytes first, then most Paged bytes, then by tag. */
    private static int byNonPagedUse(Row a, Row b) {
        int c = Long.compare(b.nonPagedBytes(), a.nonPagedBytes());
        if (c == 0) {
            c = Long.compare(b.pagedBytes(), a.pagedBytes());
        }
        return c != 0 ? c : byTagName(a, b);
    }

    /** Most Paged bytes first, then most NonPaged bytes, then by tag. */
    private static int byPagedUse(Row a, Row b) {
        int c = Long.compare(b.pagedBytes(), a.pagedBytes());
        if (c == 0) {
            c = Long.compare(b.nonPagedBytes(), a.nonPagedBytes());
        }
        return c != 0 ? c : byTagName(a, b);
    }

    /** Two rows of the same tag and pool (a capture that repeats a tag) add up. */
    private static TagUsage sum(TagUsage a, TagUsage b) {
        return new TagUsage(a.tag(), a.kind(), a.pool(), addKnown(a.allocs(), b.allocs()), addKnown(a.frees(), b.frees()),
                a.live() + b.live(), a.bytes() + b.bytes(), a.description(), a.liveSlack() + b.liveSlack());
    }

    private static long addKnown(long a, long b) {
        return a == TagUsage.UNKNOWN || b == TagUsage.UNKNOWN ? TagUsage.UNKNOWN : a + b;
    }

    private static Totals totals(List<Row> rows) {
        long npA = 0, npF = 0, npL = 0, npB = 0, pA = 0, pF = 0, pL = 0, pB = 0;
        for (Row r : rows) {
            if (r.nonPaged() != null) {
                npA = addKnown(npA, r.nonPaged().allocs());
                npF = addKnown(npF, r.nonPaged().frees());
                npL += r.nonPaged().live();
                npB += r.nonPaged().bytes();
            }
            if (r.paged() != null) {
                pA = addKnown(pA, r.paged().allocs());
                pF = addKnown(pF, r.paged().frees());
                pL += r.paged().live();
                pB += r.paged().bytes();
            }
        }
        return new Totals(npA, npF, npL, npB, pA, pF, pL, pB);
    }
}
