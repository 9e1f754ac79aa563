package pooltag.windows.parse;

import java.util.List;

import pooltag.core.snapshot.Pool;

/**
 * One PoolHitTag break in a debugger transcript: an allocation or a free of a block carrying the watched tag.
 *
 * @param kind    allocation or free
 * @param address the block's address (what the allocator returned; what the free was passed), 0 when the
 *                transcript does not show it
 * @param bytes   bytes requested (allocation), from the allocator's arguments or {@code !pool}; 0 when unknown or a free
 * @param tag     the tag, trailing spaces removed
 * @param pool    the pool, or null when the transcript does not say
 * @param frames  the stack shown at the break ({@code k}, {@code kb}, {@code kv}, {@code kvn}...), innermost first,
 *                one call site per frame ({@code Sample!DriverEntry+0x27}); empty when no stack was printed
 * @param line    the line of the break in the transcript (1-based)
 */
public record HitEvent(Kind kind, long address, long bytes, String tag, Pool pool, List<String> frames, int line) {
    public enum Kind { ALLOC, FREE }

    public HitEvent {
        frames = List.copyOf(frames);
    }
}
