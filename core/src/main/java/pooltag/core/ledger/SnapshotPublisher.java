package pooltag.core.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/**
 * Hands the ledger's counters to other threads, as HdrHistogram's Recorder flips its interval histogram: the writer
 * copies them ({@link #publish}, O(tags), never per event) into an immutable frame behind a volatile reference;
 * readers ({@link #snapshot}, any thread) see only whole frames, never live state, and never block the writer.
 *
 * <p>Invariant: a frame's arrays are written before the volatile store that publishes it and never after, so a
 * reader sees one consistent moment (within a frame, {@code live = allocs - frees - written off} for every row).
 */
final class SnapshotPublisher {
    private volatile Frame published;

    /** Writer thread. Allocates the frame's arrays: a few per call, nothing per event. */
    void publish(long nowNanos, Loss loss, TagRegistry tags) {
        boolean cg = tags.cgroups != null;
        published = new Frame(nowNanos, loss, copy(tags, TagKind.CACHE), copy(tags, TagKind.SITE),
                copy(tags, TagKind.MODULE), copy(tags, TagKind.STACK), cg ? copy(tags, TagKind.CGROUP) : null,
                cg ? copy(tags, TagKind.CGROUP_CACHE) : null, cg ? copy(tags, TagKind.CGROUP_SITE) : null);
    }

    private static KindFrame copy(TagRegistry tags, TagKind kind) {
        TagTable t = tags.table(kind);
        int n = t.count;
        String[] desc = new String[n];
        for (int i = 0; i < n; i++) {
            desc[i] = tags.description(kind, i);
        }
        return new KindFrame(kind, Arrays.copyOf(t.names, n), desc,
                Arrays.copyOf(t.counters, n * TagTable.POOLS * TagTable.STRIDE));
    }

    /** The usage of one kind as of the last publish: one row per (tag, pool) that saw an allocation; null before. */
    UsageSnapshot snapshot(TagKind kind) {
        Frame f = published;
        if (f == null) {
            return null;
        }
        KindFrame k = switch (kind) {
            case CACHE -> f.caches;
            case SITE -> f.sites;
            case MODULE -> f.modules;
            case STACK -> f.stacks;
            case CGROUP -> f.cgroups;
            case CGROUP_CACHE -> f.cgroupCaches;
            case CGROUP_SITE -> f.cgroupSites;
            default -> throw new IllegalArgumentException("the ledger has no " + kind.label() + " tags");
        };
        if (k == null) {
            throw new IllegalArgumentException("the ledger has no " + kind.label() + " tags: tag by cgroup (--tag-by cgroup)");
        }
        return k.toSnapshot(f.takenAtNanos, f.loss);
    }

    /**
     * The published counters of one kind. Immutable once constructed. {@code counters}: the tag table's, laid out as
     * {@link TagTable#counters}.
     */
    private record KindFrame(TagKind kind, String[] names, String[] descriptions, long[] counters) {
        UsageSnapshot toSnapshot(long takenAt, Loss loss) {
            List<TagUsage> rows = new ArrayList<>();
            Pool[] pools = Pool.values();
            for (int i = 0; i < names.length; i++) {
                for (int p = 0; p < TagTable.POOLS; p++) {
                    int c = TagTable.at(i, p);
                    long allocs = counters[c + TagTable.ALLOCS];
                    long live = counters[c + TagTable.LIVE];
                    if (allocs != 0 || live != 0) {
                        rows.add(new TagUsage(names[i], kind, pools[p], allocs, counters[c + TagTable.FREES], live,
                                counters[c + TagTable.BYTES], descriptions[i]));
                    }
                }
            }
            return new UsageSnapshot(takenAt, "ledger (" + kind.label() + " tags from allocation events)", rows, loss);
        }
    }

    private record Frame(long takenAtNanos, Loss loss, KindFrame caches, KindFrame sites, KindFrame modules,
                         KindFrame stacks, KindFrame cgroups, KindFrame cgroupCaches,
                         KindFrame cgroupSites) {
    }
}
