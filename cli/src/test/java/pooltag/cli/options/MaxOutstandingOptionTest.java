package pooltag.cli.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.core.ledger.LedgerOptions;
import pooltag.linux.kmem.KmemTagPolicy;

class MaxOutstandingOptionTest {
    @Test
    void countsTakeKAndMSuffixes() {
        assertEquals(250_000, MaxOutstandingOption.parse("250000"));
        assertEquals(500_000, MaxOutstandingOption.parse("500k"));
        assertEquals(2_000_000, MaxOutstandingOption.parse("2M"));
        assertEquals(16, MaxOutstandingOption.parse("16"));
    }

    @Test
    void outOfRangeAndJunkAreOneLineNamingTheOption() {
        PooltagException low = assertThrows(PooltagException.class, () -> MaxOutstandingOption.parse("15"));
        assertEquals("bad --max-outstanding '15': must be between 16 and " + LedgerOptions.MAX_MAX_OUTSTANDING,
                low.getMessage());
        assertThrows(PooltagException.class, () -> MaxOutstandingOption.parse("99999999999M"));
        assertThrows(PooltagException.class, () -> MaxOutstandingOption.parse("-5"));
        assertThrows(PooltagException.class, () -> MaxOutstandingOption.parse("1.5M"));
    }

    @Test
    void theLedgersOfTracingCommandsCarryLinuxsTagPolicy() {
        MaxOutstandingOption o = new MaxOutstandingOption();
        o.value = "500k";
        LedgerOptions l = o.ledgerOptions();
        assertEquals(KmemTagPolicy.POLICY, l.policy());
        assertEquals(500_000, l.maxOutstanding());
        assertTrue(l.policy().untraceableCaches().contains("maple_node"));
        assertTrue(l.policy().reclaimableConstructors().contains("__d_alloc"));
    }

    @Test
    void withoutTheOptionTheCapIsSizedFromTheHeap() {
        assertEquals(LedgerOptions.defaultMaxOutstanding(), new MaxOutstandingOption().maxOutstanding());
    }
}
