package pooltag.core.tag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class TagResolverTest {
    // "filp" is both a cache and (here) a function name: the cache wins.
    final Set<String> caches = new LinkedHashSet<>(List.of("dentry", "filp", "kmalloc-64", "kmalloc-96",
            "kmalloc-cg-192", "sock_inode_cache", "maple_node"));
    final Set<String> functions = new LinkedHashSet<>(List.of("alloc_pipe_info", "filp", "key_alloc",
            "alloc_empty_file", "sk_prot_alloc", "__d_alloc"));
    final Set<String> modules = new LinkedHashSet<>(List.of("[kernel]", "[xfs]"));
    final Set<String> stacks = new LinkedHashSet<>(List.of("~3fa2c1d0", "~00c0ffee"));
    final TagResolver r = new TagResolver(caches, functions, modules, stacks);

    @Test
    void exactCacheNameWinsOverAFunctionOfTheSameName() {
        var res = r.resolve("filp");
        assertEquals(TagKind.CACHE, res.kind());
        assertEquals(List.of("filp"), res.matches());
    }

    @Test
    void aFunctionNameResolvesToASite() {
        var res = r.resolve("alloc_pipe_info");
        assertEquals(TagKind.SITE, res.kind());
        assertEquals(List.of("alloc_pipe_info"), res.matches());
    }

    @Test
    void anUnknownSizeResolvesToTheKmallocClassThatServesIt() {
        assertEquals(List.of("kmalloc-128"), r.resolve("kmalloc-100").matches());
        assertEquals(TagKind.CACHE, r.resolve("kmalloc-100").kind());
        assertEquals(List.of("kmalloc-96"), r.resolve("96").matches());
        assertEquals(List.of("kmalloc-96"), r.resolve("65").matches());
        assertEquals(List.of("kmalloc-1k"), r.resolve("600").matches());
        assertEquals(List.of("kmalloc-cg-256"), r.resolve("kmalloc-cg-193").matches());
        assertEquals(List.of("dma-kmalloc-2k"), r.resolve("dma-kmalloc-2k").matches());
        assertEquals(List.of("kmalloc-rcl-8"), r.resolve("cache:kmalloc-rcl-3").matches());
        assertTrue(r.resolve("9000").isEmpty()); // beyond the largest slab class
    }

    @Test
    void anExistingSizeClassCacheIsAnExactCacheMatch() {
        var res = r.resolve("kmalloc-64");
        assertEquals(List.of("kmalloc-64"), res.matches());
        assertEquals("a cache tag", res.note());
    }

    @Test
    void prefixesForceTheKind() {
        assertEquals(TagKind.SITE, r.resolve("site:filp").kind());
        assertEquals(List.of("filp"), r.resolve("site:filp").matches());
        assertEquals(List.of("[xfs]"), r.resolve("mod:xfs").matches());
        assertEquals(List.of("[xfs]"), r.resolve("module:[xfs]").matches());
        assertEquals(List.of("~3fa2c1d0"), r.resolve("stack:3fa2c1d0").matches());
        assertTrue(r.resolve("cache:alloc_pipe_info").isEmpty());
        assertEquals(TagKind.CACHE, r.resolve("cache:alloc_pipe_info").kind());
    }

    @Test
    void stackAndModuleSpellingsNeedNoPrefix() {
        assertEquals(TagKind.STACK, r.resolve("~00c0ffee").kind());
        assertEquals(TagKind.MODULE, r.resolve("[kernel]").kind());
    }

    @Test
    void wildcardsPickTheFirstKindWithAMatch() {
        var res = r.resolve("kmalloc-*");
        assertEquals(TagKind.CACHE, res.kind());
        assertEquals(List.of("kmalloc-64", "kmalloc-96", "kmalloc-cg-192"), res.matches());
        var sites = r.resolve("*_alloc");
        assertEquals(TagKind.SITE, sites.kind());
        assertEquals(List.of("key_alloc", "sk_prot_alloc", "__d_alloc"), sites.matches());
        assertEquals(List.of("filp"), r.resolve("fil?").matches());
        assertEquals(TagKind.CACHE, r.resolve("fil?").kind());
        assertEquals(List.of("alloc_pipe_info", "alloc_empty_file"), r.resolve("site:alloc_*").matches());
        assertEquals(List.of("~3fa2c1d0", "~00c0ffee"), r.resolve("stack:*").matches());
    }

    @Test
    void nothingMatchingSaysWhatWasTried() {
        var res = r.resolve("no_such_thing");
        assertTrue(res.isEmpty());
        assertNull(res.kind());
        assertTrue(res.note().contains("cache:"), res.note());
        assertTrue(r.resolve("zz*").isEmpty());
    }

    @Test
    void otherColonsArePartOfTheName() {
        Set<String> withVmalloc = new LinkedHashSet<>(caches);
        withVmalloc.add("vmalloc:alloc_large_system_hash");
        var res = new TagResolver(withVmalloc, functions, modules, stacks).resolve("vmalloc:alloc_large_system_hash");
        assertEquals(List.of("vmalloc:alloc_large_system_hash"), res.matches());
    }

    @Test
    void emptyInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> r.resolve("  "));
        assertThrows(IllegalArgumentException.class, () -> r.resolve("site:"));
    }

    /**
     * A merged cache name resolves to the cache its events name, before any function of the same spelling, each
     * cache once; a cache of the resolver's own is never remapped.
     */
    @Test
    void aMergedCacheNameResolvesToTheCacheItsEventsName() {
        TagResolver m = new TagResolver(caches, functions, modules, stacks).withMergedCaches(java.util.Map.of(
                "UNIX", "sock_inode_cache", "UDP", "sock_inode_cache", "filp", "dentry"));
        var res = m.resolve("UNIX");
        assertEquals(TagKind.CACHE, res.kind());
        assertEquals(List.of("sock_inode_cache"), res.matches());
        assertEquals(java.util.Map.of("UNIX", "sock_inode_cache"), res.merged());
        assertEquals("'UNIX' is merged into the cache sock_inode_cache", res.note());
        var both = m.resolve("cache:U*");
        assertEquals(List.of("sock_inode_cache"), both.matches(), "two merged names, one cache");
        assertEquals("UDP, UNIX: merged by SLUB into sock_inode_cache; the kernel names a merged cache by the cache"
                + " it joined, so its allocations are that cache's, every merged name's among them", both.mergeNote());
        var own = m.resolve("filp");
        assertEquals(List.of("filp"), own.matches(), "filp is a cache here: never remapped");
        assertEquals(java.util.Map.of(), own.merged());
        assertEquals("", own.mergeNote());
        assertEquals(List.of("sock_inode_cache"), m.resolve("sock_inode_cache").matches());
    }
}
