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

    /**
     * Names of at most 16 bytes are answered from a 256-entry front by (length, first word, last word): 3,000 such
     * names share its entries, so re-interning them in another order goes through evictions and collisions, and each
     * must still get its own first id. Names that agree in both words but not in length (an 8-byte prefix and its
     * 16-byte extension that repeats it) must not be confused either.
     */
    @Test
    void shortNamesThroughTheFrontKeepTheirIds() {
        NameTable t = new NameTable();
        int n = 3000;
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = Integer.toString(i * 7919, 36) + (i % 3 == 0 ? "-cache" : i % 3 == 1 ? "_x" : "-kmalloc-64");
            assertEquals(i, t.intern(names[i]), names[i]);
        }
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(7));
        for (int round = 0; round < 2; round++) {
            for (int i : order) {
                byte[] b = ("<" + names[i] + ">").getBytes(StandardCharsets.UTF_8);
                assertEquals(i, t.intern(b, 1, b.length - 2), names[i]);
            }
        }
        assertEquals(n, t.size());
        int a = t.intern("abcdefgh");
        int b = t.intern("abcdefghabcdefgh"); // same first and last 8 bytes, twice the length
        int c = t.intern("abcdefghXabcdefgh"); // 17 bytes: the table, not the front
        assertEquals(3, java.util.Set.of(a, b, c).size());
        assertEquals("abcdefghabcdefgh", t.name(t.intern("abcdefghabcdefgh")));
        assertEquals(n + 3, t.size());
    }
}
