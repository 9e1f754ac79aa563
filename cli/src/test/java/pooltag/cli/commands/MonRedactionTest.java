package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/** mon --trace --tag-by cgroup,cache / cgroup,site / site: what the table shows of an address. */
class MonRedactionTest {
    private static final String CG = "/kubepods/cri-containerd-"
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";

    private static String shown(String tag, TagKind kind) {
        UsageSnapshot s = new UsageSnapshot(1, "ledger", List.of(new TagUsage(tag, kind, Pool.NONPAGED, 1, 0, 1, 64,
                "")), Loss.NONE);
        return MonCommand.redacted(s).rows().get(0).tag();
    }

    @Test
    void aContainerIdInTheCgroupHalfStaysAndAnUnresolvedSiteIsHidden() {
        assertEquals("kmalloc-64@" + CG, shown("kmalloc-64@" + CG, TagKind.CGROUP_CACHE));
        assertEquals("<addr>@" + CG, shown("0xffffffffc08a1234@" + CG, TagKind.CGROUP_SITE));
        assertEquals("<addr>", shown("0xffffffffc08a1234", TagKind.SITE));
    }
}
