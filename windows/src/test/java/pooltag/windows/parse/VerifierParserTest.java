package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;

class VerifierParserTest {
    @Test
    void fixtureListsSixOutstandingAllocationsOfTwoDrivers() {
        VerifierReport r = VerifierParser.parse(Fixtures.text("verifier-2.txt"));
        assertEquals(6, r.allocations().size());
        assertEquals(3, r.allocations().stream().filter(a -> a.module().equals("videoprt.sys")).count());
        assertEquals(3, r.allocations().stream().filter(a -> a.module().equals("usbport.sys")).count());
        assertTrue(r.loss().truncated());
    }

    @Test
    void rowGivesAddressSizeTagAndCaller() {
        VerifierAllocation a = VerifierParser.parse(Fixtures.text("verifier-2.txt")).allocations().get(0);
        assertEquals(0xfffff9800157efc0L, a.address());
        assertEquals(0x3c, a.bytes());
        assertEquals("Vprt", a.tag());
        assertEquals("fffff88002c62963", a.caller());
        assertEquals("videoprt.sys", a.module());
    }

    @Test
    void malformedRowIsAnErrorNamingFileAndLine() {
        PooltagException e = assertThrows(PooltagException.class, () -> VerifierParser.parse(CaptureText.of("v.txt", """
                PoolAddress  SizeInBytes    Tag       CallersAddress
                fffff9800157efc0     0x0000003c     Vprt      fffff88002c62963
                fffff9800146afc0
                """)));
        assertTrue(e.getMessage().startsWith("v.txt:3: !verifier pool-tracking row does not read"), e.getMessage());
    }

    @Test
    void addressLengthTagCallerLayoutWithSymbolCallersParses() {
        VerifierReport r = VerifierParser.parse(CaptureText.of("v3.txt", """
                kd> !verifier 3 abc.sys
                fffffa8003b6f670 Loaded           000004d3       00000000    abc.sys

                Address            Length     Tag  Caller
                fffff9800157efc0   0x000004d3 Abc  abc!AbcCacheEntry+0x27
                """));
        assertEquals(1, r.allocations().size());
        VerifierAllocation a = r.allocations().get(0);
        assertEquals(0x4d3, a.bytes());
        assertEquals("Abc", a.tag());
        assertEquals("abc!AbcCacheEntry+0x27", a.caller());
        assertEquals("abc.sys", a.module());
    }
}
