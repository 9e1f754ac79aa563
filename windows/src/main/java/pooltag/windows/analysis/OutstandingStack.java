package pooltag.windows.analysis;

import java.util.List;

/**
 * Allocations never freed in a transcript that share one stack.
 *
 * @param frames    the stack, innermost first (empty when the transcript printed none)
 * @param owner     the first frame outside the pool allocator and its wrappers ({@link OwnerFrame}), "" when none
 * @param count     how many allocations
 * @param bytes     their requested bytes summed, over those whose size the transcript shows
 * @param unsized   how many of them the transcript shows no size for (a break on ExFreePool's argument only, or an
 *                  allocator whose size register was not printed): their bytes are unknown, not 0
 * @param tags      the tags among them, sorted
 * @param addresses their block addresses, in transcript order
 */
public record OutstandingStack(List<String> frames, String owner, long count, long bytes, long unsized,
                               List<String> tags, List<Long> addresses) {
    public OutstandingStack {
        frames = List.copyOf(frames);
        tags = List.copyOf(tags);
        addresses = List.copyOf(addresses);
    }
}
