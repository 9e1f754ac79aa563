package pooltag.cli.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

class TopTagsTest {
    static TagUsage row(String tag, Pool pool, long live, long bytes) {
        return new TagUsage(tag, TagKind.CACHE, pool, TagUsage.UNKNOWN, TagUsage.UNKNOWN, live, bytes, "");
    }

    static UsageSnapshot snap(TagUsage... rows) {
        return new UsageSnapshot(1, "test", List.of(rows), null);
    }

    @Test
    void keepsTopTagsByBytesAcrossPoolsAndSumsTheRestIntoOtherPerPool() {
        // dentry is largest only when both pools are added (101 + 977 bytes), so ranking must sum over pools.
        UsageSnapshot s = snap(row("filp", Pool.NONPAGED, 3, 1009), row("dentry", Pool.PAGED, 7, 977),
                row("dentry", Pool.NONPAGED, 1, 101), row("kmalloc-64", Pool.NONPAGED, 11, 701),
                row("inode_cache", Pool.PAGED, 13, 307), row("UNIX", Pool.NONPAGED, 17, 211));
        List<TopTags.Series> out = TopTags.select(s, 2);
        assertEquals(List.of(
                new TopTags.Series("filp", "cache", Pool.NONPAGED, 3, 1009, -1, -1),
                new TopTags.Series("dentry", "cache", Pool.PAGED, 7, 977, -1, -1),
                new TopTags.Series("dentry", "cache", Pool.NONPAGED, 1, 101, -1, -1),
                new TopTags.Series("other", "other", Pool.NONPAGED, 11 + 17, 701 + 211, -1, -1),
                new TopTags.Series("other", "other", Pool.PAGED, 13, 307, -1, -1)), out);
    }

    @Test
    void otherSeriesAreAlwaysPresentSoTheirSeriesNeverVanish() {
        List<TopTags.Series> out = TopTags.select(snap(row("filp", Pool.NONPAGED, 3, 1009)), 50);
        assertEquals(3, out.size());
        assertEquals(new TopTags.Series("other", "other", Pool.PAGED, 0, 0, 0, 0), out.get(2));
    }

    @Test
    void callersThatDifferOnlyByAddressBecomeOneRedactedSeries() {
        UsageSnapshot s = snap(new TagUsage("vmalloc:0xffffffffc0001234", TagKind.VMALLOC, Pool.NONPAGED, -1, -1, 2, 8192, ""),
                new TagUsage("vmalloc:0xffffffffc0005678", TagKind.VMALLOC, Pool.NONPAGED, -1, -1, 3, 12288, ""));
        List<TopTags.Series> out = TopTags.select(s, 5);
        assertEquals(new TopTags.Series("vmalloc:<addr>", "vmalloc", Pool.NONPAGED, 5, 20480, -1, -1), out.get(0));
        assertEquals(3, out.size());
    }

    @Test
    void knownAllocAndFreeCountsAddUpInOther() {
        UsageSnapshot s = snap(new TagUsage("a", TagKind.SITE, Pool.NONPAGED, 13, 5, 8, 800, ""),
                new TagUsage("b", TagKind.SITE, Pool.NONPAGED, 7, 2, 5, 500, ""),
                new TagUsage("c", TagKind.SITE, Pool.NONPAGED, 19, 17, 2, 200, ""));
        List<TopTags.Series> out = TopTags.select(s, 1);
        assertEquals(new TopTags.Series("other", "other", Pool.NONPAGED, 7, 700, 26, 19), out.get(1));
    }
}
