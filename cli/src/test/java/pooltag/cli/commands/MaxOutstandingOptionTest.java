package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.core.ledger.LedgerOptions;

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
    void withoutTheOptionTheCapIsSizedFromTheHeap() {
        assertEquals(LedgerOptions.defaultMaxOutstanding(), new MaxOutstandingOption().maxOutstanding());
    }
}
