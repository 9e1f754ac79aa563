package pooltag.engine.kd;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.Outstanding;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.core.tag.TagPattern;
import pooltag.core.tag.TagResolver;

/**
 * {@code !poolfind} and {@code !pool} answered from a ledger. Runs on the ledger's writer thread (or while its
 * writer is paused); returns plain values the console thread may keep.
 */
final class LedgerAnswers {
    /** One outstanding allocation and the tag it was found under; {@code stackTag} "" when it has no stack. */
    record Row(String tag, Outstanding allocation, String stackTag) {
    }

    record Rows(List<Row> rows, Loss loss) {
    }

    private LedgerAnswers() {
    }

    /**
     * The outstanding allocations of the tags {@code pattern} resolves to, as {@code TagResolver} resolves what a user
     * types (cache, then kernel function, then kmalloc size class; {@code site:} and the other prefixes force the
     * kind; wildcards), among the tags the ledger has seen, and the names SLUB merged into a cache it has seen (its
     * allocations are that cache's). A tag the ledger never saw has no tracked allocation.
     *
     * @param pool NonPaged or Paged only, or null for both
     */
    static Rows find(Ledger ledger, TagPattern pattern, Pool pool) {
        java.util.Map<String, String> merged = new java.util.HashMap<>();
        for (int id = 0; id < ledger.tagCount(TagKind.CACHE); id++) {
            for (String alias : ledger.cacheAliases(id)) {
                merged.putIfAbsent(alias, ledger.tagName(TagKind.CACHE, id));
            }
        }
        TagResolver resolver = new TagResolver(new HashSet<>(ledger.tagNames(TagKind.CACHE)),
                new HashSet<>(ledger.tagNames(TagKind.SITE)), new HashSet<>(ledger.tagNames(TagKind.MODULE)),
                new HashSet<>(ledger.tagNames(TagKind.STACK))).withMergedCaches(merged);
        TagResolver.Resolution r = resolver.resolve(pattern.toString());
        List<Row> rows = new ArrayList<>();
        if (r.kind() != null) {
            for (String name : r.matches()) {
                for (int id : ledger.tagIds(r.kind(), name)) {
                    for (Outstanding o : ledger.outstanding(r.kind(), id, Integer.MAX_VALUE)) {
                        if (pool == null || o.pool() == pool) {
                            rows.add(row(ledger, name, o));
                        }
                    }
                }
            }
        }
        return new Rows(rows, ledger.stats().loss());
    }

    /** The outstanding allocation holding {@code address}, tagged as {@code kmalloc-192 from alloc_pipe_info}; or null. */
    static Row containing(Ledger ledger, long address) {
        Outstanding o = ledger.outstandingContaining(address);
        return o == null ? null : row(ledger, o.cache() + " from " + o.site(), o);
    }

    private static Row row(Ledger ledger, String tag, Outstanding o) {
        return new Row(tag, o, o.stackId() < 0 ? "" : ledger.stackTag(o.stackId()));
    }

    /** A row as the console's {@link KdTarget.Allocation}, aged at {@code ageNanos}. */
    static KdTarget.Allocation allocation(Row r, long ageNanos, String comm) {
        Outstanding o = r.allocation();
        return new KdTarget.Allocation(r.tag(), o.address(), o.bytes(), o.pool(), Math.max(0, ageNanos), o.pid(), comm,
                r.stackTag());
    }
}
