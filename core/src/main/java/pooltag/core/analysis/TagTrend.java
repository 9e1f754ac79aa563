package pooltag.core.analysis;

import java.util.Arrays;

import pooltag.core.snapshot.Pool;

/**
 * The least-squares line through one tag's bytes over a series of snapshots.
 *
 * @param bytes              bytes held in each snapshot, in series order (0 where the tag is absent)
 * @param slopePerSnapshot   growth in bytes per snapshot (x = 0, 1, 2, ...)
 * @param slopePerSecond     growth in bytes per second over the snapshots' times, or {@link Double#NaN} when the
 *                           series has no times
 * @param rSquared           fit quality in [0, 1] of the line that gave the ranking slope: 1 is a straight line
 *                           (a steady leak), near 0 is noise. A constant series is fitted exactly by a flat line: 1.
 */
public record TagTrend(String tag, Pool pool, String description, long[] bytes, double slopePerSnapshot,
                       double slopePerSecond, double rSquared) {
    public TagTrend {
        bytes = bytes.clone();
    }

    public long firstBytes() {
        return bytes.length == 0 ? 0 : bytes[0];
    }

    public long lastBytes() {
        return bytes.length == 0 ? 0 : bytes[bytes.length - 1];
    }

    @Override
    public long[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TagTrend t && tag.equals(t.tag) && pool == t.pool && description.equals(t.description)
                && Arrays.equals(bytes, t.bytes) && Double.compare(slopePerSnapshot, t.slopePerSnapshot) == 0
                && Double.compare(slopePerSecond, t.slopePerSecond) == 0 && Double.compare(rSquared, t.rSquared) == 0;
    }

    @Override
    public int hashCode() {
        return tag.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "TagTrend[" + tag + " " + pool + " slope/snapshot=" + slopePerSnapshot + " slope/s=" + slopePerSecond
                + " R2=" + rSquared + " bytes=" + Arrays.toString(bytes) + "]";
    }
}
