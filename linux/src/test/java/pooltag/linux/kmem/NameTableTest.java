package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class NameTableTest {
    @Test
    void sameBytesSameIdAcrossGrowth() {
        NameTable t = new NameTable();
        for (int i = 0; i < 5000; i++) {
            assertEquals(i, t.intern("cache-" + i));
        }
        byte[] buf = "xxcache-4321yy".getBytes(StandardCharsets.UTF_8);
        assertEquals(4321, t.intern(buf, 2, 10));
        assertEquals("cache-4321", t.name(4321));
        assertEquals(5000, t.size());
        assertNull(t.name(-1));
        assertNull(t.name(5000));
    }
}
