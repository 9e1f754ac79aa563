/**
 * Windows pool data captured elsewhere: {@link pooltag.windows.WindowsCaptures} reads a saved {@code !poolused},
 * PoolMon, {@code !poolfind}, PoolHitTag session, {@code !verifier} or pooltag.txt file, tells from its content
 * what it holds, and hands back the project's currencies (a {@link pooltag.core.snapshot.UsageSnapshot}, events)
 * or the capture's own model. {@link pooltag.windows.TagScanner} traces a tag to the driver files that hold it.
 *
 * <p>Tags are kept as printed with trailing spaces removed ({@code "AGP "} is {@code AGP}), so captures of
 * different tools compare; comparisons with pooltag.txt pad both sides to four characters.
 */
package pooltag.windows;
