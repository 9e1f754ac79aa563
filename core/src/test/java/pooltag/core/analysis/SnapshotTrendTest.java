package pooltag.core.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

class SnapshotTrendTest {
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final long T0 = 1_795_633_207_000_000_000L;

    private static TagUsage u(String tag, Pool pool, long bytes) {
        return new TagUsage(tag, TagKind.POOL, pool, TagUsage.UNKNOWN, TagUsage.UNKNOWN, bytes / 16, bytes, "");
    }

    /**
     * Twelve snapshots a minute apart: Leak grows 7919 bytes per snapshot; Spik jumps once by far more; Nois wobbles
     * around a flat line; Flat never changes.
     */
    private static List<UsageSnapshot> series(boolean timed) {
        long[] noise = {4001, 4093, 3989, 4057, 3967, 4111, 4003, 3943, 4079, 4021, 3991, 4049};
        List<UsageSnapshot> s = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            s.add(new UsageSnapshot(timed ? T0 + i * MINUTE_NANOS : 0, "snap" + i, List.of(
                    u("Leak", Pool.NONPAGED, 100_003 + 7919L * i),
                    u("Spik", Pool.PAGED, i < 11 ? 50_021 : 250_021),
                    u("Nois", Pool.PAGED, noise[i]),
                    u("Flat", Pool.NONPAGED, 65_537)), Loss.NONE));
        }
        return s;
    }

    @Test
    void steadyLeakRanksFirstWithItsExactSlopeAndPerfectFit() {
        TagTrend first = SnapshotTrend.of(series(false)).trends().get(0);
        assertEquals("Leak", first.tag());
        assertEquals(7919.0, first.slopePerSnapshot(), 1e-9);
        assertEquals(1.0, first.rSquared(), 1e-12);
    }

    @Test
    void oneTimeJumpFitsWorseThanTheSteadyLeak() {
        SnapshotTrend t = SnapshotTrend.of(series(false));
        TagTrend spike = t.trends().stream().filter(x -> x.tag().equals("Spik")).findFirst().orElseThrow();
        assertTrue(spike.rSquared() < 0.5, "R² of a single jump: " + spike.rSquared());
    }

    @Test
    void timedSeriesGivesSlopePerSecond() {
        SnapshotTrend t = SnapshotTrend.of(series(true));
        assertTrue(t.timed());
        TagTrend leak = t.trends().get(0);
        assertEquals("Leak", leak.tag());
        assertEquals(7919.0 / 60, leak.slopePerSecond(), 1e-9);
    }

    @Test
    void untimedSeriesHasNoSlopePerSecond() {
        SnapshotTrend t = SnapshotTrend.of(series(false));
        assertFalse(t.timed());
        assertTrue(Double.isNaN(t.trends().get(0).slopePerSecond()));
    }

    @Test
    void constantSeriesHasZeroSlopeAndAnExactFit() {
        TagTrend flat = SnapshotTrend.of(series(false)).trends().stream().filter(x -> x.tag().equals("Flat"))
                .findFirst().orElseThrow();
        assertEquals(0.0, flat.slopePerSnapshot(), 0);
        assertEquals(1.0, flat.rSquared(), 0);
    }

    @Test
    void tagMissingFromASnapshotCountsAsZeroBytesThere() {
        UsageSnapshot a = new UsageSnapshot(0, "a", List.of(), Loss.NONE);
        UsageSnapshot b = new UsageSnapshot(0, "b", List.of(u("Late", Pool.PAGED, 4099)), Loss.NONE);
        TagTrend late = SnapshotTrend.of(List.of(a, b)).trends().get(0);
        assertEquals(4099.0, late.slopePerSnapshot(), 1e-9);
        assertEquals(0, late.firstBytes());
    }

    @Test
    void singleSnapshotIsNotASeries() {
        assertThrows(IllegalArgumentException.class,
                () -> SnapshotTrend.of(List.of(new UsageSnapshot(0, "a", List.of(), Loss.NONE))));
    }
}
