package pooltag.windows.parse;

import pooltag.core.snapshot.Pool;

/**
 * One pool block that {@code !poolfind} (or {@code !pool}) printed.
 *
 * @param address   the block's address as printed (the pool header's, in the old layout)
 * @param bytes     the block's size in bytes, pool header included (old layout) or as the new layout prints it
 * @param tag       the tag, trailing spaces removed
 * @param pool      the pool it was found in
 * @param poolName  the pool as the debugger named it ({@code NonPaged}, {@code Paged}, {@code Session}, ...)
 * @param allocated false for a {@code (Free)} block: a freed block still carrying the tag, not live
 * @param line      the capture line it came from (1-based)
 */
public record PoolBlock(long address, long bytes, String tag, Pool pool, String poolName, boolean allocated, int line) {
}
