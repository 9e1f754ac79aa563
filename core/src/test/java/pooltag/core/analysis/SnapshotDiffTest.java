package pooltag.core.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

class SnapshotDiffTest {
    private static TagUsage u(String tag, Pool pool, long live, long bytes) {
        return new TagUsage(tag, TagKind.POOL, pool, TagUsage.UNKNOWN, TagUsage.UNKNOWN, live, bytes, "");
    }

    private static UsageSnapshot snap(Loss loss, TagUsage... rows) {
        return new UsageSnapshot(0, "test", List.of(rows), loss);
    }

    @Test
    void deltasAreSortedByBytesGainedFirst() {
        SnapshotDiff d = SnapshotDiff.between(
                snap(Loss.NONE, u("Abc", Pool.PAGED, 101, 94013), u("Irp", Pool.NONPAGED, 7, 1601)),
                snap(Loss.NONE, u("Abc", Pool.PAGED, 36405, 33930272), u("Irp", Pool.NONPAGED, 3, 691)));
        assertEquals(List.of("Abc", "Irp"), d.deltas().stream().map(TagDelta::tag).toList());
        assertEquals(33930272 - 94013, d.deltas().get(0).bytesChange());
        assertEquals(36405 - 101, d.deltas().get(0).liveChange());
        assertEquals(691 - 1601, d.deltas().get(1).bytesChange());
    }

    @Test
    void tagOnlyInOneSnapshotCountsAsZeroInTheOther() {
        SnapshotDiff d = SnapshotDiff.between(snap(Loss.NONE, u("Gone", Pool.NONPAGED, 13, 1297)),
                snap(Loss.NONE, u("New1", Pool.PAGED, 17, 4099)));
        TagDelta added = d.deltas().get(0);
        assertEquals("New1", added.tag());
        assertEquals(0, added.oldBytes());
        assertEquals(4099, added.bytesChange());
        assertEquals(-1297, d.deltas().get(1).bytesChange());
    }

    @Test
    void samePoolRowsOfOneTagAreKeptApart() {
        SnapshotDiff d = SnapshotDiff.between(snap(Loss.NONE, u("EtwB", Pool.NONPAGED, 128, 5041136)),
                snap(Loss.NONE, u("EtwB", Pool.NONPAGED, 131, 5046257), u("EtwB", Pool.PAGED, 4, 163840)));
        assertEquals(2, d.deltas().size());
        assertEquals(Pool.PAGED, d.deltas().get(0).pool());
        assertEquals(5121, d.deltas().get(1).bytesChange());
    }

    @Test
    void unchangedTagsAreDeltasButNotChanged() {
        SnapshotDiff d = SnapshotDiff.between(snap(Loss.NONE, u("Same", Pool.PAGED, 3, 307)),
                snap(Loss.NONE, u("Same", Pool.PAGED, 3, 307)));
        assertEquals(1, d.deltas().size());
        assertTrue(d.changed().isEmpty());
    }

    @Test
    void lossOfBothSnapshotsIsCarried() {
        SnapshotDiff d = SnapshotDiff.between(snap(new Loss(0, 0, 3, false)), snap(new Loss(0, 0, 4, true)));
        assertEquals(new Loss(0, 0, 7, true), d.loss());
    }

    /**
     * BY_GROWTH orders as the composed comparator it replaced (bytes grown, most first; objects grown, most first;
     * tag; pool), on deltas that tie on every key but the last in turn, and on 2,000 random ones.
     */
    @Test
    void growthOrderIsBytesThenObjectsThenTagThenPool() {
        java.util.Comparator<TagDelta> composed = java.util.Comparator.comparingLong(TagDelta::bytesChange).reversed()
                .thenComparing(java.util.Comparator.comparingLong(TagDelta::liveChange).reversed())
                .thenComparing(TagDelta::tag).thenComparing(TagDelta::pool);
        List<TagDelta> ties = List.of(new TagDelta("B", Pool.PAGED, 0, 5, 0, 100, ""),
                new TagDelta("B", Pool.NONPAGED, 0, 5, 0, 100, ""), new TagDelta("A", Pool.PAGED, 0, 5, 0, 100, ""),
                new TagDelta("C", Pool.PAGED, 0, 9, 0, 100, ""), new TagDelta("D", Pool.PAGED, 0, 1, 0, 200, ""),
                new TagDelta("E", Pool.PAGED, 0, 1, 0, -5, ""));
        List<TagDelta> sorted = new java.util.ArrayList<>(ties);
        sorted.sort(SnapshotDiff.BY_GROWTH);
        assertEquals(List.of("D/PAGED", "C/PAGED", "A/PAGED", "B/NONPAGED", "B/PAGED", "E/PAGED"),
                sorted.stream().map(t -> t.tag() + "/" + t.pool()).toList());
        java.util.Random r = new java.util.Random(5);
        List<TagDelta> random = new java.util.ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            random.add(new TagDelta(String.valueOf((char) ('A' + r.nextInt(4))), r.nextBoolean() ? Pool.PAGED
                    : Pool.NONPAGED, r.nextInt(3), r.nextInt(3), r.nextInt(3), r.nextInt(3), ""));
        }
        List<TagDelta> a = new java.util.ArrayList<>(random);
        List<TagDelta> b = new java.util.ArrayList<>(random);
        a.sort(SnapshotDiff.BY_GROWTH);
        b.sort(composed);
        assertEquals(b, a);
        assertEquals(new TagKey("A", Pool.PAGED), new TagKey("A", Pool.PAGED));
        assertEquals(new TagKey("A", Pool.PAGED).hashCode(), new TagKey("A", Pool.PAGED).hashCode());
        assertTrue(!new TagKey("A", Pool.PAGED).equals(new TagKey("A", Pool.NONPAGED)));
        assertTrue(!new TagKey("A", Pool.PAGED).equals(new TagKey("B", Pool.PAGED)));
    }
}
