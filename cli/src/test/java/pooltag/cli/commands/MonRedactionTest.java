package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.engine.publish.AddressPolicy;

/**
 * mon --trace --tag-by cgroup,cache / cgroup,site / site: what the table shows of an address (mon's traced sources
 * pass every snapshot through {@link AddressPolicy#names(UsageSnapshot)}).
 */
class MonRedactionTest {
    private static final String CG = "/kubepods/cri-containerd-"
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
    private static final AddressPolicy MASKED = AddressPolicy.maskedWithKey(1);

    private static String shown(String tag, TagKind kind) {
        UsageSnapshot s = new UsageSnapshot(1, "ledger", List.of(new TagUsage(tag, kind, Pool.NONPAGED, 1, 0, 1, 64,
                "")), Loss.NONE);
        return MASKED.names(s).rows().get(0).tag();
    }

    @Test
    void aContainerIdInTheCgroupHalfStaysAndAnUnresolvedSiteIsMaskedAsHuntMasksIt() {
        assertEquals("kmalloc-64@" + CG, shown("kmalloc-64@" + CG, TagKind.CGROUP_CACHE));
        String site = MASKED.names("0xffffffffc08a1234");
        assertTrue(site.matches("site@[0-9a-f]{8}"), site);
        assertEquals(site + "@" + CG, shown("0xffffffffc08a1234@" + CG, TagKind.CGROUP_SITE));
        assertEquals(site, shown("0xffffffffc08a1234", TagKind.SITE));
        // two unresolved sites stay two rows (scrubbing both to <addr> made two rows of one name)
        assertNotEquals(site, shown("0xffffffffc08a1238", TagKind.SITE));
        assertEquals("0xffffffffc08a1234", AddressPolicy.raw().names(new UsageSnapshot(1, "ledger", List.of(
                new TagUsage("0xffffffffc08a1234", TagKind.SITE, Pool.NONPAGED, 1, 0, 1, 64, "")), Loss.NONE))
                .rows().get(0).tag());
    }
}
