package pooltag.cli.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;

class TagByTest {
    @Test
    void wordsInAnyOrderSpacesIgnored() {
        assertEquals(TagBy.CGROUP_SITE, TagBy.of("site, cgroup"));
        assertEquals(TagBy.CGROUP_CACHE, TagBy.of("cgroup,cache"));
        assertEquals(TagBy.CACHE_SITE, TagBy.of("site,cache"));
        assertEquals(TagBy.CGROUP, TagBy.of(" cgroup"));
        assertNull(TagBy.of("cgroup,cgroup"));
        assertNull(TagBy.of("cgroup,cache,site"));
        assertNull(TagBy.of("pid"));
        assertNull(TagBy.of(""));
    }

    @Test
    void aValueTheCommandCannotDoIsOneLineListingWhatItTakes() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> TagBy.parse("cache", TagBy.CGROUP_KINDS));
        assertEquals("--tag-by takes cgroup, cgroup,cache or cgroup,site, got 'cache'", e.getMessage());
        e = assertThrows(PooltagException.class, () -> TagBy.parse("cgroup,site", EnumSet.of(TagBy.CGROUP)));
        assertEquals("--tag-by takes cgroup, got 'cgroup,site'", e.getMessage());
    }
}
