package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class LongIntMapTest {
    @Test
    void agreesWithHashMapUnderRandomPutsAndRemoves() {
        Random rnd = new Random(997);
        LongIntMap m = new LongIntMap();
        Map<Long, Integer> ref = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            long k = rnd.nextInt(5000) * 64L - 64; // clustered keys, including 0
            if (rnd.nextInt(3) == 0) {
                Integer r = ref.remove(k);
                assertEquals(r == null ? -1 : r, m.remove(k), "remove " + k);
            } else {
                ref.put(k, i);
                m.put(k, i);
            }
            if (i % 997 == 0) {
                for (Map.Entry<Long, Integer> e : ref.entrySet()) {
                    assertEquals((int) e.getValue(), m.get(e.getKey()));
                }
                assertEquals(ref.size(), m.size());
            }
        }
    }
}
