package pooltag.core.ledger;

/**
 * Outstanding allocations of one tag that share a stack.
 *
 * @param stackId -1 for the allocations that have no stack
 * @param tag     the printable stack tag ({@code ~3fa2c1d0}), or {@code [no stack]}
 * @param frames  innermost first; empty for {@code [no stack]}. Symbolize with the caller's resolver.
 */
public record StackGroup(int stackId, String tag, long count, long bytes, long[] frames) {
}
