package pooltag.core.ledger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;

/**
 * What the outstanding table answers: {@code !poolfind} (a tag's allocations, oldest first), {@code !pool Address}
 * (the block containing an address), grouping by stack ({@code hit}'s summary), the per-address probes a tap makes
 * per event, and a visitor for the ranking. Writer thread only (or after the stream ended): it reads live state.
 *
 * <p>Costs: the per-address probes are one table probe and allocate nothing; the others scan the whole table
 * (O(capacity)) and allocate their answer, for a command, not per event. Tag ids are dense, so per-tag and
 * per-stack accumulators are primitive arrays indexed by id, not boxed maps.
 */
final class OutstandingQueries {
    private final OutstandingTable table;
    private final TagRegistry tags;
    private final StackTable stacks;
    private final SymbolResolver symbols;
    private final EventClock clock;

    OutstandingQueries(OutstandingTable table, TagRegistry tags, StackTable stacks, SymbolResolver symbols,
                       EventClock clock) {
        this.table = table;
        this.tags = tags;
        this.stacks = stacks;
        this.symbols = symbols;
        this.clock = clock;
    }

    void forEach(OutstandingVisitor v) {
        OutstandingTable t = table;
        int capacity = t.capacity();
        boolean cg = tags.cgroups != null;
        for (int s = 0; s < capacity; s++) {
            long a = t.address(s);
            if (a != 0) {
                int cache = t.cache(s);
                v.visit(a, t.size(s), clock.nanosOf(t.tick(s)), t.pid(s), cache, t.site(s), t.stack(s),
                        tags.pool(cache), cg ? t.owner(s) & CgroupTags.OWNER_TAG : -1);
            }
        }
    }

    /** The tag of kind {@code kind} of the allocation outstanding at exactly {@code address}, or -1. */
    int tagAt(TagKind kind, long address) {
        int slot = table.find(address);
        return slot < 0 ? -1 : tagOf(kind, slot);
    }

    /** Bytes of the allocation outstanding at exactly {@code address}, or -1. */
    long bytesAt(long address) {
        int slot = table.find(address);
        return slot < 0 ? -1 : Integer.toUnsignedLong(table.size(slot));
    }

    private int tagOf(TagKind kind, int slot) {
        OutstandingTable t = table;
        return switch (kind) {
            case CACHE -> t.cache(slot);
            case SITE -> t.site(slot);
            case MODULE -> tags.moduleOf(t.site(slot));
            case STACK -> t.stack(slot);
            case CGROUP, CGROUP_CACHE, CGROUP_SITE -> tags.cgroups == null ? -1
                    : tags.cgroups.tagOf(kind, t.owner(slot), t.cache(slot), t.site(slot));
            default -> -1;
        };
    }

    /** The outstanding allocation whose block contains {@code address}, or null. */
    Outstanding containing(long address) {
        OutstandingTable t = table;
        for (int s = 0; s < t.capacity(); s++) {
            long a = t.address(s);
            if (a != 0 && Long.compareUnsigned(address, a) >= 0
                    && Long.compareUnsigned(address, a + Integer.toUnsignedLong(t.size(s))) < 0) {
                return at(s);
            }
        }
        return null;
    }

    /** A tag's outstanding allocations, oldest first (ties by address), at most {@code limit}. */
    List<Outstanding> of(TagKind kind, int tagId, int limit) {
        tags.table(kind); // rejects kinds the ledger does not keep
        OutstandingTable t = table;
        int[] slots = new int[16];
        int n = 0;
        for (int s = 0; s < t.capacity(); s++) {
            if (t.address(s) != 0 && tagOf(kind, s) == tagId) {
                if (n == slots.length) {
                    slots = java.util.Arrays.copyOf(slots, n * 2);
                }
                slots[n++] = s;
            }
        }
        sortOldestFirst(slots, n);
        int m = Math.min(limit, n);
        List<Outstanding> out = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            out.add(at(slots[i]));
        }
        return out;
    }

    private Outstanding at(int s) {
        OutstandingTable t = table;
        long at = clock.nanosOf(t.tick(s));
        int cache = t.cache(s);
        boolean cg = tags.cgroups != null;
        return new Outstanding(t.address(s), t.size(s), at, Math.max(0, clock.lastNanos() - at), t.pid(s),
                Pool.values()[tags.pool(cache)], tags.caches.names[cache], tags.sites.names[t.site(s)], t.stack(s),
                cg ? tags.cgroups.name(t.owner(s)) : null, cg && (t.owner(s) & CgroupTags.OWNER_ACCOUNTED) != 0);
    }

    /** A tag's outstanding allocations grouped by stack, most bytes first; {@code [no stack]} included. */
    List<StackGroup> byStack(TagKind kind, int tagId) {
        tags.table(kind);
        OutstandingTable t = table;
        // Index 0 is "no stack" (id -1); stack id i is at i + 1.
        int n = stacks.size() + 1;
        long[] count = new long[n];
        long[] bytes = new long[n];
        for (int s = 0; s < t.capacity(); s++) {
            if (t.address(s) != 0 && tagOf(kind, s) == tagId) {
                int g = t.stack(s) + 1;
                count[g]++;
                bytes[g] += Integer.toUnsignedLong(t.size(s));
            }
        }
        List<StackGroup> out = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            if (count[g] == 0) {
                continue;
            }
            int id = g - 1;
            out.add(id < 0 ? new StackGroup(-1, "[no stack]", count[g], bytes[g], new long[0])
                    : new StackGroup(id, stacks.tag(id), count[g], bytes[g], stacks.frames(id)));
        }
        out.sort(Comparator.comparingLong(StackGroup::bytes).reversed().thenComparing(StackGroup::tag));
        return out;
    }

    /** The name of the function holding {@code address}, or null. */
    String functionName(long address) {
        long fn = symbols.functionStart(address);
        return fn == 0 ? null : symbols.name(fn);
    }

    /** Sorts {@code slots[0, n)} by allocation tick (unsigned), then address: a merge sort over ints, no boxing. */
    private void sortOldestFirst(int[] slots, int n) {
        if (n < 2) {
            return;
        }
        int[] tmp = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi) {
                    tmp[k++] = older(slots[j], slots[i]) ? slots[j++] : slots[i++];
                }
                while (i < mid) {
                    tmp[k++] = slots[i++];
                }
                while (j < hi) {
                    tmp[k++] = slots[j++];
                }
                System.arraycopy(tmp, lo, slots, lo, hi - lo);
            }
        }
    }

    /** True when slot {@code a} sorts strictly before slot {@code b}. */
    private boolean older(int a, int b) {
        OutstandingTable t = table;
        int c = Integer.compareUnsigned(t.tick(a), t.tick(b));
        return c != 0 ? c < 0 : t.address(a) < t.address(b);
    }
}
