package pooltag.core.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/** The primitive map against a {@link HashMap} model: puts, overwrites, removals (backward shift), growth. */
class LongIntHashMapTest {
    static final int MISSING = -1;

    /** op: 0..5 put, 6..8 remove, 9 get; the key indexes a small pool so that keys recur and runs collide. */
    @Provide
    Arbitrary<List<Tuple2<Integer, Integer>>> ops() {
        Arbitrary<Tuple2<Integer, Integer>> op = Arbitraries.integers().between(0, 9)
                .flatMap(o -> Arbitraries.integers().between(0, 299).map(k -> Tuple.of(o, k)));
        return op.list().ofMinSize(1).ofMaxSize(3000);
    }

    static long key(int k) {
        // 0 is a legal key; the rest mostly aligned addresses (low bits zero), a few arbitrary longs.
        return k == 0 ? 0 : k % 7 == 0 ? -0x5bd1e995L * k : 0xffff888100000000L + 64L * k;
    }

    @Property(tries = 200)
    void behavesLikeAMap(@ForAll("ops") List<Tuple2<Integer, Integer>> ops) {
        LongIntHashMap m = new LongIntHashMap(2, MISSING);
        Map<Long, Integer> model = new HashMap<>();
        int stamp = 0;
        for (Tuple2<Integer, Integer> op : ops) {
            long k = key(op.get2());
            int expected = model.getOrDefault(k, MISSING);
            if (op.get1() < 6) {
                stamp++;
                assertEquals(expected, m.put(k, stamp), "put returns the previous value");
                model.put(k, stamp);
            } else if (op.get1() < 9) {
                assertEquals(expected, m.remove(k), "remove returns the value it had");
                model.remove(k);
            } else {
                assertEquals(expected, m.get(k));
            }
            assertEquals(model.size(), m.size());
        }
        for (int i = 0; i < 300; i++) {
            long k = key(i);
            assertEquals(model.getOrDefault(k, MISSING), m.get(k), "key " + Long.toHexString(k));
            assertEquals(model.containsKey(k), m.containsKey(k));
        }
    }

    @Test
    void theMissingValueCannotBeStored() {
        LongIntHashMap m = new LongIntHashMap(4, Integer.MIN_VALUE);
        assertEquals(Integer.MIN_VALUE, m.get(7));
        assertThrows(IllegalArgumentException.class, () -> m.put(7, Integer.MIN_VALUE));
        assertEquals(Integer.MIN_VALUE, m.put(7, -1), "-1 is an ordinary value here");
        assertEquals(-1, m.get(7));
    }

    @Test
    void growsAtItsLoadFactorAndKeepsEveryEntry() {
        LongIntHashMap m = new LongIntHashMap(0, 0.75f, MISSING);
        assertEquals(8, m.capacity());
        for (int i = 0; i < 7; i++) {
            m.put(i * 4096L, i);
        }
        assertEquals(16, m.capacity(), "8 slots hold 6 at 0.75; the 7th doubles the table");
        for (int i = 0; i < 100_003; i++) {
            m.put(i * 4096L, i);
        }
        assertEquals(100_003, m.size());
        assertEquals(262_144, m.capacity(), "the smallest power of two that holds 100,003 under 75% load");
        for (int i = 0; i < 100_003; i++) {
            assertEquals(i, m.get(i * 4096L));
        }
    }

    @Test
    void clearEmptiesAndKeepsTheCapacity() {
        LongIntHashMap m = new LongIntHashMap(100, MISSING);
        int cap = m.capacity();
        m.put(0, 1);
        m.put(5, 2);
        m.clear();
        assertTrue(m.isEmpty());
        assertFalse(m.containsKey(0));
        assertEquals(cap, m.capacity());
    }

    @Test
    void rejectsALoadFactorOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new LongIntHashMap(8, 1.0f, MISSING));
        assertThrows(IllegalArgumentException.class, () -> new LongIntHashMap(8, 0f, MISSING));
    }
}
