package pooltag.engine.publish;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.KmemTagPolicy;

/**
 * {@code mon --trace}'s rows by cache: procfs's Diff and Bytes (what the kernel holds now, including what was
 * allocated before tracing began) with Allocs and Frees filled from the ledger's cache-kind snapshot (counted since
 * tracing began). A cache the ledger has not seen an event of shows 0 (true: none since tracing began), except the
 * caches the tracepoints cannot see ({@link KmemTagPolicy#UNTRACEABLE_CACHES}) and vmalloc callers (not traced),
 * which keep {@code -}. The ledger's loss goes with the snapshot.
 */
public final class TracedUsage {
    private TracedUsage() {
    }

    /** @param ledger the ledger's published cache snapshot (non-null) */
    public static UsageSnapshot merge(UsageSnapshot procfs, UsageSnapshot ledger) {
        Map<String, long[]> byTagPool = new HashMap<>();
        Map<String, long[]> byTag = new HashMap<>();
        for (TagUsage u : ledger.rows()) {
            add(byTagPool, u.tag() + '\0' + u.pool().name(), u);
            add(byTag, u.tag(), u);
        }
        Set<String> untraceable = new HashSet<>(KmemTagPolicy.UNTRACEABLE_CACHES);
        List<TagUsage> rows = new ArrayList<>(procfs.rows().size());
        for (TagUsage u : procfs.rows()) {
            if (u.kind() != TagKind.CACHE || untraceable.contains(u.tag())) {
                rows.add(u);
                continue;
            }
            // The same pool first; a cache whose pool the ledger classed differently still gets its counts.
            long[] c = byTagPool.get(u.tag() + '\0' + u.pool().name());
            if (c == null) {
                c = byTag.getOrDefault(u.tag(), new long[2]);
            }
            rows.add(new TagUsage(u.tag(), u.kind(), u.pool(), c[0], c[1], u.live(), u.bytes(), u.description(),
                    u.liveSlack()));
        }
        return new UsageSnapshot(procfs.takenAtNanos(), procfs.source() + " + " + ledger.source(), rows,
                ledger.loss() == null ? Loss.NONE : ledger.loss());
    }

    private static void add(Map<String, long[]> m, String key, TagUsage u) {
        long[] c = m.computeIfAbsent(key, k -> new long[2]);
        c[0] += u.allocs();
        c[1] += u.frees();
    }
}
