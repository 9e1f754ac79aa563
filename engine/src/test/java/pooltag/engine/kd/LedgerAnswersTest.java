package pooltag.engine.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagPattern;
import pooltag.core.testkit.ReusableEvent;
import pooltag.linux.symbols.KernelSymbolResolver;
import pooltag.linux.symbols.KernelSymbols;

/** kd's {@code !poolfind}: what the ledger holds, by the tag as typed, merged cache names included. */
class LedgerAnswersTest {
    /** Cache 7 is signal_cache, into which SLUB merged UNIX (as on this 6.18 VM): its events say signal_cache. */
    static final CacheCatalog MERGED = new CacheCatalog() {
        @Override
        public String name(int cacheId) {
            return cacheId == 7 ? "signal_cache" : "cache#" + cacheId;
        }

        @Override
        public Pool pool(int cacheId) {
            return Pool.NONPAGED;
        }

        @Override
        public List<String> aliases(int cacheId) {
            return cacheId == 7 ? List.of("UNIX") : List.of();
        }
    };

    @Test
    void aMergedCacheNameFindsTheAllocationsOfTheCacheItJoined() {
        KernelSymbols syms = KernelSymbols.parse("ffffffff81a00000 T sk_prot_alloc\n", "", "t");
        Ledger ledger = new Ledger(MERGED, new KernelSymbolResolver(syms));
        ReusableEvent e = new ReusableEvent();
        ledger.onEvent(e.alloc(AllocEvent.SOURCE_KMEM_CACHE, 10, 0, 42, 0xffff888000001000L, 0xffffffff81a00010L,
                1152, 7, 0));
        ledger.onEvent(e.alloc(AllocEvent.SOURCE_KMEM_CACHE, 20, 0, 42, 0xffff888000002000L, 0xffffffff81a00010L,
                1152, 7, 0));
        LedgerAnswers.Rows byMergedName = LedgerAnswers.find(ledger, TagPattern.of("UNIX"), null);
        assertEquals(2, byMergedName.rows().size());
        assertEquals("signal_cache", byMergedName.rows().get(0).tag(), "named as its events name it");
        assertEquals(2, LedgerAnswers.find(ledger, TagPattern.of("signal_cache"), null).rows().size());
        assertEquals(0, LedgerAnswers.find(ledger, TagPattern.of("UDP"), null).rows().size());
    }
}
