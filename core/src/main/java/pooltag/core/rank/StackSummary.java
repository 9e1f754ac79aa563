package pooltag.core.rank;

/**
 * Outstanding allocations of a suspect that share one stack.
 *
 * @param stackTag    {@code ~3fa2c1d0}, or {@code [no stack]} for allocations traced without a stack
 * @param outstanding allocations
 * @param bytes       bytes they hold
 * @param frames      innermost first, raw addresses; the caller symbolizes them
 */
public record StackSummary(String stackTag, long outstanding, long bytes, long[] frames) {
}
