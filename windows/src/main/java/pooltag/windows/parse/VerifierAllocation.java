package pooltag.windows.parse;

/**
 * One outstanding allocation that Driver Verifier's pool tracking lists ({@code !verifier 3}).
 *
 * @param module  the verified driver the allocation belongs to ({@code videoprt.sys}), or "" when not shown
 * @param address the block's address
 * @param bytes   its size in bytes
 * @param tag     its tag, trailing spaces removed
 * @param caller  the caller's address or symbol, as printed
 * @param line    the capture line (1-based)
 */
public record VerifierAllocation(String module, long address, long bytes, String tag, String caller, int line) {
}
