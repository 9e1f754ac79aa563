package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * Microsoft's own !verifier 3 (Windows 8.1 x86, the C4/0x62 page): three allocations left by MyDriver.sys,
     * 0x20 + 0x1008 + 0x30 = 0x1058 bytes, which is the page's "Current Pool Bytes: ( 0x00001058 / ...)".
     */
    @Test
    void laterLayoutWithModuleLineRuleAndSymbolCallers() {
        VerifierReport r = VerifierParser.parse(Fixtures.text("verifier-3-mydriver.txt"));
        assertEquals(3, r.allocations().size());
        assertEquals(0x1058, r.allocations().stream().mapToLong(VerifierAllocation::bytes).sum());
        VerifierAllocation mdl = r.allocations().get(0);
        assertEquals(0x982a8fe0L, mdl.address());
        assertEquals(0x20, mdl.bytes());
        assertEquals("VMdl", mdl.tag());
        assertEquals("0x9a3bf6ac MyDriver!DeviceControlDispatch", mdl.caller());
        assertEquals("MyDriver.sys", mdl.module());
        assertEquals(72, mdl.line()); // the file's line: three source lines, then the capture's 69th
        VerifierAllocation workItem = r.allocations().get(2);
        assertEquals("Vfwi", workItem.tag());
        assertEquals(0x30, workItem.bytes());
        assertEquals("0x9a3bf6ed MyDriver!GetNecessaryObjects", workItem.caller());
        assertFalse(r.loss().truncated());
    }

    /** A blog's capture (Windows 7 x86) with the {@code nt!_VF_TARGET_DRIVER} line: one 0x70-byte "abcd" block. */
    @Test
    void laterLayoutWithTargetDriverLine() {
        VerifierReport r = VerifierParser.parse(Fixtures.text("verifier-3-sample.txt"));
        assertEquals(1, r.allocations().size());
        VerifierAllocation a = r.allocations().get(0);
        assertEquals(0x86491d10L, a.address());
        assertEquals(0x70, a.bytes());
        assertEquals("abcd", a.tag());
        assertEquals("0xa05c1047 Sample!DriverEntry+0x27", a.caller());
        assertEquals("Sample.sys", a.module());
    }

    @Test
    void aRowOfTheLaterLayoutThatDoesNotReadIsAnErrorNamingItsLine() {
        PooltagException e = assertThrows(PooltagException.class, () -> VerifierParser.parse(CaptureText.of("v.txt", """
                      Address     Length      Tag   Caller
                      ----------  ----------  ----  ----------
                      0x982a8fe0  0x00000020  VMdl  0x9a3bf6ac  MyDriver!DeviceControlDispatch
                      0x8645a000
                """)));
        assertTrue(e.getMessage().startsWith("v.txt:4: !verifier pool-tracking row does not read"), e.getMessage());
    }

    /** A caller followed by 200,000 spaces and a word reads in linear time (a lazy tail took 20 s on 160,000). */
    @org.junit.jupiter.api.Timeout(5)
    @Test
    void aLongRunOfSpacesInARowIsReadInLinearTime() {
        VerifierReport r = VerifierParser.parse(CaptureText.of("v.txt", "Address Length Tag Caller\n"
                + "0x982a8fe0  0x00000020  VMdl  0x9a3bf6ac  My" + " ".repeat(200_000) + "x\n"));
        assertEquals(1, r.allocations().size());
        assertEquals("0x9a3bf6ac My" + " ".repeat(200_000) + "x", r.allocations().get(0).caller());
    }
}
