package pooltag.windows.analysis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import pooltag.windows.parse.HitEvent;
import pooltag.windows.parse.Transcript;

/**
 * Every break of a transcript grouped by what broke (allocation or free) and the stack shown at it, whether or not
 * the transcript shows the block's address. This answers the tag breakpoint's own question, "who allocates this
 * tag", which pairing cannot answer for breaks without an address (a post that kept only the {@code bp} and a
 * {@code k}): those are counted here as {@code unaddressed} and in the pairing's loss as skipped.
 *
 * @param kind       allocation or free
 * @param frames     the stack, innermost first (empty when none was printed)
 * @param owner      the first frame outside the pool allocator and its wrappers ({@link OwnerFrame}), "" when none
 * @param breaks     how many breaks showed this stack
 * @param unaddressed how many of them show no block address
 * @param tags       the tags among them, sorted
 */
public record BreakStack(HitEvent.Kind kind, List<String> frames, String owner, long breaks, long unaddressed,
                         List<String> tags) {
    public BreakStack {
        frames = List.copyOf(frames);
        tags = List.copyOf(tags);
    }

    /** The groups in order of their first break. */
    public static List<BreakStack> of(Transcript t) {
        record Key(HitEvent.Kind kind, List<String> frames) {
        }
        Map<Key, long[]> counts = new LinkedHashMap<>();
        Map<Key, TreeSet<String>> tags = new LinkedHashMap<>();
        for (HitEvent e : t.events()) {
            Key k = new Key(e.kind(), e.frames());
            long[] c = counts.computeIfAbsent(k, x -> new long[2]);
            c[0]++;
            if (e.address() == 0) {
                c[1]++;
            }
            if (!e.tag().isEmpty()) {
                tags.computeIfAbsent(k, x -> new TreeSet<>()).add(e.tag());
            }
        }
        List<BreakStack> out = new ArrayList<>();
        counts.forEach((k, c) -> out.add(new BreakStack(k.kind(), k.frames(), OwnerFrame.of(k.frames()), c[0], c[1],
                List.copyOf(tags.getOrDefault(k, new TreeSet<>())))));
        return out;
    }
}
