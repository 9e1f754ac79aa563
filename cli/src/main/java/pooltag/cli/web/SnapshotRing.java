package pooltag.cli.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.engine.publish.AddressPolicy;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * The last {@code capacity} snapshots, reduced to bytes per tag (both pools added), for the page's chart. A sample
 * keeps parallel arrays over interned tag names (about 250 tags x 16 bytes a sample on a typical kernel), so an hour
 * at 5 s costs about 3 MB. The intern table grows with the distinct tags ever seen (caches and vmalloc callers come
 * and go with modules: hundreds, not more). Thread-safe: one sampler adds, HTTP threads read; all under this object's lock.
 */
final class SnapshotRing {
    private record Sample(long epochMillis, String[] tags, long[] bytes) {
    }

    private final Sample[] samples;
    private final Map<String, String> interned = new HashMap<>();
    private int next;
    private int size;

    SnapshotRing(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("history must hold at least 2 snapshots, was " + capacity);
        }
        samples = new Sample[capacity];
    }

    synchronized void add(long epochMillis, UsageSnapshot snap) {
        Map<String, Long> byTag = new HashMap<>();
        for (TagUsage u : snap.rows()) {
            byTag.merge(AddressPolicy.scrub(u.tag()), u.bytes(), Long::sum);
        }
        String[] tags = new String[byTag.size()];
        long[] bytes = new long[byTag.size()];
        int i = 0;
        for (Map.Entry<String, Long> e : byTag.entrySet()) {
            tags[i] = interned.computeIfAbsent(e.getKey(), k -> k);
            bytes[i++] = e.getValue();
        }
        samples[next] = new Sample(epochMillis, tags, bytes);
        next = (next + 1) % samples.length;
        size = Math.min(size + 1, samples.length);
    }

    synchronized int size() {
        return size;
    }

    /** One chart line: bytes per sample, null where the tag was absent (a cache created or destroyed meanwhile). */
    record Line(String tag, Long[] bytes) {
    }

    /** Sample times (epoch ms, oldest first) and the lines of the {@code top} tags by bytes in the newest sample. */
    record History(long[] epochMillis, List<Line> lines) {
    }

    synchronized History history(int top) {
        long[] times = new long[size];
        Sample[] ordered = new Sample[size];
        for (int i = 0; i < size; i++) {
            ordered[i] = samples[(next - size + i + samples.length) % samples.length];
            times[i] = ordered[i].epochMillis();
        }
        if (size == 0) {
            return new History(times, List.of());
        }
        Sample newest = ordered[size - 1];
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < newest.tags().length; i++) {
            idx.add(i);
        }
        idx.sort(Comparator.<Integer>comparingLong(i -> newest.bytes()[i]).reversed().thenComparing(i -> newest.tags()[i]));
        List<Line> lines = new ArrayList<>();
        for (int k = 0; k < Math.min(top, idx.size()); k++) {
            String tag = newest.tags()[idx.get(k)];
            Long[] values = new Long[size];
            for (int s = 0; s < size; s++) {
                Sample sm = ordered[s];
                for (int j = 0; j < sm.tags().length; j++) {
                    // Interned: identity is equality.
                    if (sm.tags()[j] == tag) {
                        values[s] = sm.bytes()[j];
                        break;
                    }
                }
            }
            lines.add(new Line(tag, values));
        }
        return new History(times, lines);
    }
}
