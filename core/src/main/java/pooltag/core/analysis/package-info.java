/**
 * Pure analysis over usage snapshots from any source: {@link pooltag.core.analysis.SnapshotDiff} (two moments,
 * most growth first) and {@link pooltag.core.analysis.SnapshotTrend} (a series, ranked by least-squares slope with
 * R²). No I/O; a (tag, pool) absent from a snapshot counts as 0 bytes there.
 */
package pooltag.core.analysis;
