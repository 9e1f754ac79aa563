package pooltag.engine.kd;

import pooltag.engine.hit.Break;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.error.PooltagException;
import pooltag.core.tag.TagPattern;

/**
 * What every {@link KdTarget} promises the console, run over each implementation by subclassing (as Agrona re-runs
 * a suite). A tracing target (the live engine, a recording) answers {@link #tracing()} true and must honour
 * {@code go}'s cancel; a target without tracing must refuse the tracing calls with a {@link PooltagException}.
 */
abstract class KdTargetContract {
    /** A fresh target; the test closes it. */
    abstract KdTarget newTarget() throws Exception;

    /** A tag the target can arm (a cache every kernel has, or one its recording holds). */
    abstract String armableTag();

    abstract boolean tracing();

    @Test
    void closeIsIdempotent() throws Exception {
        KdTarget t = newTarget();
        t.close();
        t.close();
    }

    @Test
    void disarmWithNothingArmedIsHarmless() throws Exception {
        try (KdTarget t = newTarget()) {
            t.disarmHit();
            t.disarmHit();
        }
    }

    @Test
    void describesItselfInOneLine() throws Exception {
        try (KdTarget t = newTarget()) {
            String d = t.describe();
            assertTrue(!d.isBlank() && d.lines().count() == 1, d);
        }
    }

    @Test
    void reloadCountsSymbols() throws Exception {
        try (KdTarget t = newTarget()) {
            KdTarget.Symbols s = t.reload();
            assertTrue(s.symbols() > 0, s.toString());
            assertTrue(s.modules() >= -1, s.toString());
        }
    }

    @Test
    void usageIsASnapshot() throws Exception {
        try (KdTarget t = newTarget()) {
            assertNotNull(t.usage());
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void goReturnsPromptlyWhenCancelledAndDisarmThenCloseRemoveEverything() throws Exception {
        try (KdTarget t = newTarget()) {
            if (!tracing()) {
                assertThrows(PooltagException.class, () -> t.armHit(armableTag()));
                assertThrows(PooltagException.class, () -> t.go(() -> true));
                assertThrows(PooltagException.class, () -> t.poolfind(TagPattern.of(armableTag()), null));
                assertThrows(PooltagException.class, () -> t.pool(0));
                return;
            }
            t.armHit(armableTag());
            long start = System.nanoTime();
            Optional<Break> b = t.go(() -> System.nanoTime() - start > 200_000_000L);
            // Either a hit came first or the cancel was seen: both within the poll bound after the cancel.
            assertTrue(System.nanoTime() - start < 1_500_000_000L, "go polls its cancel at least every 100 ms");
            b.ifPresent(hit -> assertTrue(hit.kind() != null && hit.tag() != null));
            assertNotNull(t.poolfind(TagPattern.of(armableTag()), null));
            t.disarmHit();
        }
    }
}
