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

    /**
     * The word-at-a-time hash reads overlapping words: every length from 0 to 40, at every offset in a larger array,
     * must find the id of the same bytes, and names that differ only in one byte (in the overlap, in the last byte,
     * in the first) must get ids of their own.
     */
    @Test
    void everyLengthAndOffsetFindsItsOwnName() {
        NameTable t = new NameTable();
        String base = "kmalloc-rnd-05-256-abcdefghijklmnopqrstuvwxyz";
        for (int len = 0; len <= 40; len++) {
            assertEquals(len, t.intern(base.substring(0, len)));
        }
        for (int len = 0; len <= 40; len++) {
            for (int at = 0; at < 9; at++) {
                byte[] b = new byte[at + len + 9];
                java.util.Arrays.fill(b, (byte) 'Z');
                System.arraycopy(base.getBytes(StandardCharsets.UTF_8), 0, b, at, len);
                assertEquals(len, t.intern(b, at, len), "length " + len + " at " + at);
                assertEquals(len, NameTable.hash(b, at, len) == NameTable.hash(base.getBytes(StandardCharsets.UTF_8), 0,
                        len) ? len : -1, "hash of length " + len + " depends only on the bytes");
            }
        }
        int next = t.size();
        for (int len = 1; len <= 40; len++) {
            for (int pos : new int[] {0, len / 2, len - 1}) {
                byte[] b = base.substring(0, len).getBytes(StandardCharsets.UTF_8);
                b[pos] ^= 0x01;
                String name = new String(b, StandardCharsets.UTF_8);
                int id = t.intern(b, 0, len);
                if (id >= next) {
                    assertEquals(next++, id);
                }
                assertEquals(name, t.name(id), "length " + len + ", byte " + pos + " flipped");
            }
        }
    }
}
