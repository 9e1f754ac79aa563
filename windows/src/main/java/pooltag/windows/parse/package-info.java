/**
 * One parser per capture kind, each a static {@code parse(CaptureText)}: {@link pooltag.windows.parse.PoolUsedParser},
 * {@link pooltag.windows.parse.PoolMonParser}, {@link pooltag.windows.parse.PoolFindParser},
 * {@link pooltag.windows.parse.PoolHitTagParser}, {@link pooltag.windows.parse.VerifierParser},
 * {@link pooltag.windows.parse.PoolTagFile}; {@link pooltag.windows.parse.FormatDetector} picks among them.
 *
 * <p>Error contract: what cannot be read is a {@link pooltag.core.error.PooltagException} whose message starts
 * {@code file:line:}; text that is not pool data (a Linux /proc/slabinfo, a binary) is rejected before any of it
 * is read. What is tolerated is counted, never dropped silently: lines skipped inside a table in
 * {@link pooltag.core.snapshot.Loss#skippedRecords()}, elided rows ({@code ...}) and interrupted scans in
 * {@link pooltag.core.snapshot.Loss#truncated()}. Lines outside any table (debugger chatter, other commands) are
 * not records and are not counted.
 */
package pooltag.windows.parse;
