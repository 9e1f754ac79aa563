package pooltag.core.tag;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import pooltag.core.event.Gfp;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Feeder;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.SymbolResolver;
import pooltag.core.event.AllocEvent;

/** One spelling of kmalloc caches, the kernel's /proc/slabinfo one, whichever door names a class. */
class KmallocNameTest {
    @Test
    void wholeKibSizesAreWrittenWithAK() {
        assertEquals("kmalloc-96", KmallocName.plain(96));
        assertEquals("kmalloc-1k", KmallocName.plain(1024));
        assertEquals("kmalloc-8k", KmallocName.plain(8192));
        assertEquals("kmalloc-1536", KmallocName.plain(1536), "not a whole KiB");
        assertEquals("kmalloc-cg-2k", KmallocName.of(KmallocName.CG, 2048));
        assertEquals("kmalloc-rcl-192", KmallocName.of(KmallocName.RCL, 192));
        assertEquals("dma-kmalloc-512", KmallocName.of(KmallocName.DMA, 512));
    }

    @Test
    void theLedgerAndTheResolverNameAClassAlike() {
        Ledger ledger = new Ledger(CacheCatalog.NONE, SymbolResolver.NONE, 16);
        Feeder f = new Feeder(ledger);
        f.kmalloc(1, 0, 1, 0xffff888100000000L, 0xffffffff81000000L, 1024);
        f.alloc(AllocEvent.SOURCE_KMALLOC, 2, 0, 1, 0xffff888100000400L, 0xffffffff81000000L, 2048, -1, Gfp.ACCOUNT);
        assertEquals(List.of("kmalloc-1k", "kmalloc-cg-2k"), ledger.tagNames(TagKind.CACHE));
        TagResolver r = new TagResolver(Set.copyOf(ledger.tagNames(TagKind.CACHE)), Set.of(), Set.of(), Set.of());
        assertEquals(List.of("kmalloc-1k"), r.resolve("kmalloc-1024").matches(), "typed in bytes, named as slabinfo");
        assertEquals(List.of("kmalloc-1k"), r.resolve("1000").matches());
        assertEquals(List.of("kmalloc-cg-2k"), r.resolve("kmalloc-cg-2048").matches());
    }

    @Test
    void sizeOfReadsTheSizeEveryKmallocNameStates() {
        assertEquals(512, KmallocName.sizeOf("kmalloc-cg-512"));
        assertEquals(1024, KmallocName.sizeOf("kmalloc-1k"));
        assertEquals(8192, KmallocName.sizeOf("kmalloc-rcl-8k"));
        assertEquals(96, KmallocName.sizeOf("dma-kmalloc-96"));
        assertEquals(64, KmallocName.sizeOf("kmalloc-rnd-01-64"));
        for (long bytes : new long[] {8, 96, 192, 1536, 4096, 32768}) {
            for (int v = 0; v < KmallocName.VARIANTS; v++) {
                assertEquals(bytes, KmallocName.sizeOf(KmallocName.of(v, bytes)));
            }
        }
        assertEquals(-1, KmallocName.sizeOf("eventpoll_epi"));
        assertEquals(-1, KmallocName.sizeOf("kmalloc-"));
        assertEquals(-1, KmallocName.sizeOf("kmalloc-0"));
        assertEquals(-1, KmallocName.sizeOf("kmalloc-9999999999k"));
        assertEquals(-1, KmallocName.sizeOf("kmalloc-x1k"));
    }
}
