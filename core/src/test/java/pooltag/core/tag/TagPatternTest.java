package pooltag.core.tag;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TagPatternTest {
    @Test
    void starMatchesAnyRunIncludingNone() {
        TagPattern p = TagPattern.of("kmalloc-*");
        assertTrue(p.matches("kmalloc-64"));
        assertTrue(p.matches("kmalloc-"));
        assertFalse(p.matches("dma-kmalloc-64"));
    }

    @Test
    void questionMarkMatchesExactlyOne() {
        TagPattern p = TagPattern.of("Ab?");
        assertTrue(p.matches("Abc"));
        assertFalse(p.matches("Ab"));
        assertFalse(p.matches("Abcd"));
    }

    @Test
    void matchingIsCaseSensitiveAsInWinDbg() {
        assertFalse(TagPattern.of("abc").matches("Abc"));
    }

    @Test
    void regexCharactersAreLiteral() {
        TagPattern p = TagPattern.of("vmalloc:a.b*");
        assertTrue(p.matches("vmalloc:a.bc"));
        assertFalse(p.matches("vmalloc:axbc"));
    }
}
