package pooltag.core.tag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WinDbgTagTest {
    @Test
    void reversedCharacterConstantStoresTheTagInMemoryOrder() {
        // ed nt!poolhittag ' cbA' -> db shows 41 62 63 20 "Abc " (the seed page's example).
        long v = WinDbgTag.charConstantValue(" cbA");
        assertEquals(0x20636241L, v);
        assertArrayEquals(new byte[] {0x41, 0x62, 0x63, 0x20}, WinDbgTag.dwordBytes(v));
        assertEquals("Abc ", WinDbgTag.tagOf(v));
    }

    @Test
    void dcbaReadsBackAsDword64636261() {
        assertEquals(0x64636261L, WinDbgTag.charConstantValue("dcba"));
        assertEquals("abcd", WinDbgTag.tagOf(0x64636261L));
    }

    @Test
    void hexDwordSpellsLea2() {
        assertEquals("Lea2", WinDbgTag.tagOf(0x3261654cL));
        assertEquals(0x3261654cL, WinDbgTag.dwordOf("Lea2"));
    }

    @Test
    void shortTagIsPaddedWithSpaces() {
        assertEquals(0x20636241L, WinDbgTag.dwordOf("Abc"));
    }

    @Test
    void overlongTagIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> WinDbgTag.dwordOf("Abcde"));
        assertThrows(IllegalArgumentException.class, () -> WinDbgTag.charConstantValue("123456789"));
        assertThrows(IllegalArgumentException.class, () -> WinDbgTag.charConstantValue(""));
    }
}
