package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.SymbolResolver;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.linux.ring.TraceSchema;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.testutil.Formats;

/**
 * Kernels before 6.1 (Ubuntu 20.04's 5.4, Debian 11's 5.10, RHEL 9's 5.14, Ubuntu 22.04's 5.15): allocations for a
 * NUMA node arrive as {@code kmalloc_node} / {@code kmem_cache_alloc_node}, and {@code kmem_cache_alloc} names no
 * cache (nor does 6.1's: it came in 6.2). Formats: test resources {@code formats/linux-5.4/} (see its README for which are real dumps).
 */
class OlderKernelFormatsTest {
    private static final String[] EVENTS = {"kmalloc", "kmem_cache_alloc", "kmalloc_node", "kmem_cache_alloc_node",
            "kfree", "kmem_cache_free"};

    private static Map<String, String> formats() {
        Map<String, String> f = new LinkedHashMap<>();
        for (String e : EVENTS) {
            f.put("kmem/" + e, Formats.resource("linux-5.4/kmem_" + e + ".format"));
        }
        f.put("ftrace/kernel_stack", Formats.resource("ftrace_kernel_stack.format"));
        return f;
    }

    private static KmemDecoder decoder(Map<String, String> f) {
        return new KmemDecoder(TraceSchema.parse(Formats.resource("header_page"), f, "t"), new NameTable());
    }

    /** A 48-byte record of the 5.4 kmem_alloc_node layout (the plain events' 44 bytes are its first 44). */
    private static byte[] allocRecord(int id, int pid, long callSite, long ptr, long req, long alloc, int gfp) {
        byte[] b = new byte[48];
        le(b, 0, id, 2);          // common_type
        le(b, 4, pid, 4);         // common_pid
        le(b, 8, callSite, 8);    // call_site
        le(b, 16, ptr, 8);        // ptr
        le(b, 24, req, 8);        // bytes_req
        le(b, 32, alloc, 8);      // bytes_alloc
        le(b, 40, gfp, 4);        // gfp_flags: gfp_t, 4 bytes before 6.0
        le(b, 44, 0, 4);          // node (the _node events only)
        return b;
    }

    /** A 24-byte record of the 5.4 kmem_free layout: no cache name. */
    private static byte[] freeRecord(int id, long callSite, long ptr) {
        byte[] b = new byte[24];
        le(b, 0, id, 2);
        le(b, 8, callSite, 8);
        le(b, 16, ptr, 8);
        return b;
    }

    private static void le(byte[] b, int at, long v, int width) {
        for (int i = 0; i < width; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    @Test
    void theNodeTwinsDecodeAsTheirAllocationKindsAndNoEventIsUnsupported() {
        KmemDecoder d = decoder(formats());
        assertEquals(Map.of(), d.unsupported());
        assertEquals(KmemDecoder.KIND_KMALLOC, d.kindOf(538));
        assertEquals(KmemDecoder.KIND_CACHE_ALLOC, d.kindOf(539));
        assertEquals(KmemDecoder.KIND_KMALLOC, d.kindOf(540));
        assertEquals(KmemDecoder.KIND_CACHE_ALLOC, d.kindOf(541));
        assertEquals(KmemDecoder.KIND_KFREE, d.kindOf(542));
        assertEquals(KmemDecoder.KIND_CACHE_FREE, d.kindOf(543));

        // the blog's leak: memleak_task_test's kmem_cache_alloc of 5678 bytes from a 10320-byte slot (slub_debug on)
        EventView v = new EventView();
        byte[] r = allocRecord(541, 41112, 0xffffffffc08ea070L, 0xffff8ea54df1a990L, 5678, 10320, 0xcc0);
        assertEquals(KmemDecoder.DECODED, d.decode(r, 0, r.length, 7, 2, v));
        assertEquals(AllocEvent.ALLOC, v.type());
        assertEquals(AllocEvent.SOURCE_KMEM_CACHE, v.source());
        assertEquals(41112, v.pid());
        assertEquals(0xffffffffc08ea070L, v.callSite());
        assertEquals(0xffff8ea54df1a990L, v.address());
        assertEquals(5678, v.bytesRequested());
        assertEquals(10320, v.bytesAllocated());
        assertEquals(0xcc0, v.gfpFlags());
        assertEquals(-1, v.cacheId(), "the event names no cache");

        byte[] f = freeRecord(543, 0xffffffff81234567L, 0xffff8ea54df1a990L);
        assertEquals(KmemDecoder.DECODED, d.decode(f, 0, f.length, 8, 2, v));
        assertEquals(AllocEvent.FREE, v.type());
        assertEquals(0xffff8ea54df1a990L, v.address());
        assertEquals(-1, v.cacheId());
        assertEquals(KmemDecoder.KIND_CACHE_FREE, d.classify(f, 0, f.length));
        // 44 bytes are a whole plain kmem_cache_alloc record; 43 are not
        assertEquals(KmemDecoder.KIND_CACHE_ALLOC, d.classify(allocRecord(539, 1, 1, 1, 1, 1, 0), 0, 44));
        assertEquals(KmemDecoder.MALFORMED, d.classify(allocRecord(539, 1, 1, 1, 1, 1, 0), 0, 43));
    }

    /** A twin whose fields sit elsewhere would be read wrongly as its kind: it is unsupported, with the reason. */
    @Test
    void aTwinLaidOutOtherwiseIsUnsupportedAndItsKindStillDecodes() {
        Map<String, String> f = formats();
        f.put("kmem/kmalloc_node", f.get("kmem/kmalloc_node")
                .replace("gfp_flags;\toffset:40;\tsize:4;", "gfp_flags;\toffset:48;\tsize:4;"));
        KmemDecoder d = decoder(f);
        assertEquals("its fields do not sit where kmem/kmalloc's do", d.unsupported().get("kmem/kmalloc_node"));
        assertEquals(KmemDecoder.KIND_NONE, d.kindOf(540));
        assertEquals(KmemDecoder.KIND_KMALLOC, d.kindOf(538));
        assertEquals(KmemDecoder.KIND_CACHE_ALLOC, d.kindOf(541));
        assertEquals(1, d.unsupported().size(), d.unsupported().toString());
    }

    /**
     * Through the ledger: allocations made by the plain and the node events pair with their frees, and an unnamed
     * cache's allocations are tagged by their object size, so the leak is counted exactly: 3 allocations by the leaking
     * site (two through the node twin), 1 freed, 2 outstanding; a kmalloc_node of 1 KiB freed by kfree pairs too.
     */
    @Test
    void allocationsThroughEitherEventPairWithTheirFreesUnderOneSizeTag() {
        KmemDecoder d = decoder(formats());
        Ledger ledger = new Ledger(CacheCatalog.NONE, SymbolResolver.NONE);
        EventView v = new EventView();
        long site = 0xffffffffc08ea070L;
        long[] objects = {0xffff8ea54df1a990L, 0xffff8ea54df1d310L, 0xffff8ea54df18010L};
        byte[][] records = {
                allocRecord(539, 41112, site, objects[0], 5678, 10320, 0xcc0),
                allocRecord(541, 41112, site, objects[1], 5678, 10320, 0xcc0),
                allocRecord(541, 41112, site, objects[2], 5678, 10320, 0xcc0),
                freeRecord(543, 0xffffffff81000000L, objects[1]),
                allocRecord(540, 7, 0xffffffff81111111L, 0xffff888100000400L, 1000, 1024, 0xcc0),
                freeRecord(542, 0xffffffff81222222L, 0xffff888100000400L)};
        long ts = 1_000;
        for (byte[] r : records) {
            assertEquals(KmemDecoder.DECODED, d.decode(r, 0, r.length, ts++, 0, v));
            ledger.onEvent(v);
        }
        assertEquals(0, ledger.stats().unpairedFrees());
        int cacheTag = ledger.tagId(TagKind.CACHE, "kmem_cache-10320");
        assertTrue(cacheTag >= 0, ledger.tagNames(TagKind.CACHE).toString());
        var usage = ledger.usage(TagKind.CACHE, cacheTag, Pool.NONPAGED);
        assertEquals(3, usage.allocs());
        assertEquals(1, usage.frees());
        assertEquals(2, usage.live());
        assertEquals(2 * 10320, usage.bytes());
        var kmalloc = ledger.usage(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "kmalloc-1k"), Pool.NONPAGED);
        assertEquals(1, kmalloc.allocs());
        assertEquals(1, kmalloc.frees());
        assertEquals(0, kmalloc.live());
        assertEquals(2, ledger.stats().outstanding());
    }

    /**
     * An accounted kmalloc (GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT, bit 22) comes from kmalloc-cg-1k only on
     * kernels that have the kmalloc-cg caches (5.14 on); before, from kmalloc-1k, which is what the tag must say for
     * slabinfo to confirm it. A source that cannot tell (no sysfs view) keeps the newer kernels' name.
     */
    @Test
    void anAccountedKmallocIsTaggedByTheCachesThisKernelHas() {
        String before514 = ":t-0001024\t0\tkmalloc-1k\n:t-0000192\t0\tkmalloc-192 cred_jar\n";
        String since514 = before514 + ":a-0001024\t0\tkmalloc-cg-1k\n";
        assertEquals("kmalloc-1k", accountedKmallocTag(SlabSysfs.parse(before514)));
        assertEquals("kmalloc-cg-1k", accountedKmallocTag(SlabSysfs.parse(since514)));
        assertEquals("kmalloc-cg-1k", accountedKmallocTag(SlabSysfs.absent()));
    }

    private static String accountedKmallocTag(SlabSysfs sysfs) {
        NameTable names = new NameTable();
        KmemDecoder d = new KmemDecoder(TraceSchema.parse(Formats.resource("header_page"), formats(), "t"), names);
        Ledger ledger = new Ledger(new SlabCacheCatalog(names, sysfs), SymbolResolver.NONE);
        EventView v = new EventView();
        byte[] r = allocRecord(538, 7, 0xffffffff81111111L, 0xffff888100000400L, 1000, 1024, 0x400cc0);
        assertEquals(KmemDecoder.DECODED, d.decode(r, 0, 44, 1, 0, v));
        ledger.onEvent(v);
        assertEquals(1, ledger.tagCount(TagKind.CACHE), ledger.tagNames(TagKind.CACHE).toString());
        return ledger.tagName(TagKind.CACHE, 0);
    }

    /**
     * An unnamed kmem_cache allocation takes the name of the one cache with its object and slot sizes (and that
     * cache's pool); when two or three caches have them, their names joined, as its aliases too; beyond three, the slot
     * size, with all of them as aliases. 5.4's events carry no accounting, so it narrows nothing here.
     */
    @Test
    void unnamedCachesAreNamedByTheirSizesWhenTheSizesSaySo() {
        String sysfs = "task_struct\t0\ttask_struct\t5678\t10320\ttask_struct\n"
                + "inode_cache\t1\tinode_cache\t632\t640\tinode_cache\n"
                + "dentry\t1\tdentry\t192\t192\t\n"
                + "proc_dir_entry\t0\tproc_dir_entry\t192\t192\t\n"
                + "kmalloc-192\t0\tkmalloc-192\t192\t192\t\n"
                + ":0000256\t0\tkey_jar maple_node\t256\t256\tmaple_node\n"
                + ":A-0000256\t0\tfilp io_kiocb\t256\t256\tfilp\n"
                + ":a-0000256\t1\tfscrypt_info\t256\t256\t\n"
                + "fsverity_info\t1\tfsverity_info\t256\t256\t\n";
        NameTable names = new NameTable();
        KmemDecoder d = new KmemDecoder(TraceSchema.parse(Formats.resource("header_page"), formats(), "t"), names);
        Ledger ledger = new Ledger(new SlabCacheCatalog(names, SlabSysfs.parse(sysfs)), SymbolResolver.NONE);
        EventView v = new EventView();
        long[][] allocs = {{5678, 10320}, {632, 640}, {192, 192}, {256, 256}, {100, 104}};
        long ptr = 0xffff888100000000L;
        for (long[] a : allocs) {
            byte[] r = allocRecord(539, 7, 0xffffffff81111111L, ptr += 0x1000, a[0], a[1], 0xcc0);
            assertEquals(KmemDecoder.DECODED, d.decode(r, 0, r.length, ptr, 0, v));
            ledger.onEvent(v);
        }
        assertEquals(List.of("task_struct", "inode_cache", "dentry|proc_dir_entry", "kmem_cache-256",
                "kmem_cache-104"), ledger.tagNames(TagKind.CACHE));
        assertEquals(Pool.PAGED, ledger.cachePool(ledger.tagId(TagKind.CACHE, "inode_cache")));
        assertEquals(List.of("dentry", "proc_dir_entry"),
                ledger.cacheAliases(ledger.tagId(TagKind.CACHE, "dentry|proc_dir_entry")));
        assertEquals(List.of("filp", "fscrypt_info", "fsverity_info", "maple_node"),
                ledger.cacheAliases(ledger.tagId(TagKind.CACHE, "kmem_cache-256")));
        assertEquals(List.of(), ledger.cacheAliases(ledger.tagId(TagKind.CACHE, "kmem_cache-104")));
    }
}
