package pooltag.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import pooltag.core.collect.Hashing;

/** The outstanding table against a {@link HashMap} model: inserts, removals (backward shift) and growth. */
class OutstandingTableModelTest {

    /** op: 0..5 insert-or-replace, 6..9 remove; key index into a small address pool so that keys recur. */
    @Provide
    Arbitrary<List<Tuple2<Integer, Integer>>> ops() {
        Arbitrary<Tuple2<Integer, Integer>> op = Arbitraries.integers().between(0, 9)
                .flatMap(o -> Arbitraries.integers().between(0, 299).map(k -> Tuple.of(o, k)));
        return op.list().ofMinSize(1).ofMaxSize(3000);
    }

    static long address(int k) {
        // Mostly slab-like aligned addresses, a few arbitrary ones (never 0), and two whose low 32 bits are 0 (a slot
        // is one int pair: only both halves 0 make it empty).
        if (k == 1 || k == 2) {
            return k == 1 ? 0xffff888100000000L : 0x0000000100000000L;
        }
        return k % 7 == 0 ? 0x5bd1e995L * (k + 1) : 0xffff888100000000L + 192L * k;
    }

    @Property(tries = 200)
    void behavesLikeAMapThroughGrowthAndDeletion(@ForAll("ops") List<Tuple2<Integer, Integer>> ops) {
        OutstandingTable t = new OutstandingTable(16);
        Map<Long, Integer> model = new HashMap<>();
        int stamp = 0;
        for (Tuple2<Integer, Integer> op : ops) {
            long a = address(op.get2());
            int slot = t.find(a);
            assertEquals(model.containsKey(a), slot >= 0);
            if (op.get1() < 6) {
                if (slot >= 0) {
                    t.remove(slot);
                }
                stamp++;
                slot = t.insert(a);
                t.set(slot, stamp * 11, stamp, stamp * 3, (stamp * 5) % OutstandingTable.MAX_SITE_TAGS,
                        stamp % OutstandingTable.MAX_CACHE_TAGS, stamp * 7);
                model.put(a, stamp);
            } else if (slot >= 0) {
                t.remove(slot);
                model.remove(a);
            }
            assertEquals(model.size(), t.size());
        }
        for (Map.Entry<Long, Integer> e : model.entrySet()) {
            int s = t.find(e.getKey());
            assertTrue(s >= 0, "lost " + Long.toHexString(e.getKey()));
            int v = e.getValue();
            assertEquals(v, t.size(s));
            assertEquals(v * 3, t.pid(s));
            assertEquals((v * 5) % OutstandingTable.MAX_SITE_TAGS, t.site(s));
            assertEquals(v * 7, t.stack(s));
            assertEquals(v * 11, t.tick(s));
            assertEquals(v % OutstandingTable.MAX_CACHE_TAGS, t.cache(s));
        }
        for (int k = 0; k < 300; k++) {
            assertEquals(model.containsKey(address(k)), t.find(address(k)) >= 0);
        }
        assertProbeInvariant(t);
        assertTrue(t.size() * 100L <= (long) t.capacity() * OutstandingTable.MAX_LOAD_PERCENT);
    }

    /**
     * The ledger's single probe per allocation: {@link OutstandingTable#probe} then {@link OutstandingTable#claim} of
     * the empty slot it found (or {@code insert} after a removal), through growth, against the same model.
     */
    @Property(tries = 200)
    void probeThenClaimBehavesLikeFindThenInsert(@ForAll("ops") List<Tuple2<Integer, Integer>> ops) {
        OutstandingTable t = new OutstandingTable(16);
        Map<Long, Integer> model = new HashMap<>();
        int stamp = 0;
        for (Tuple2<Integer, Integer> op : ops) {
            long a = address(op.get2());
            int r = t.probe(a);
            assertEquals(model.containsKey(a), r >= 0);
            assertEquals(r >= 0 ? r : -1, t.find(a), "probe and find agree on a present address");
            if (op.get1() < 6) {
                stamp++;
                int slot;
                if (r >= 0) {
                    t.remove(r);
                    slot = t.insert(a);
                } else {
                    assertEquals(0L, t.address(-1 - r), "the probe ends on an empty slot");
                    slot = t.claim(a, -1 - r);
                }
                t.set(slot, stamp * 11, stamp, stamp * 3, 1, 2, -1);
                model.put(a, stamp);
            } else if (r >= 0) {
                t.remove(r);
                model.remove(a);
            }
            assertEquals(model.size(), t.size());
        }
        for (Map.Entry<Long, Integer> e : model.entrySet()) {
            int s = t.find(e.getKey());
            assertTrue(s >= 0, "lost " + Long.toHexString(e.getKey()));
            assertEquals(e.getValue(), t.size(s));
        }
        assertProbeInvariant(t);
        assertTrue(t.size() * 100L <= (long) t.capacity() * OutstandingTable.MAX_LOAD_PERCENT);
    }

    /** Every entry is reachable from its home slot without crossing an empty slot. */
    static void assertProbeInvariant(OutstandingTable t) {
        int mask = t.capacity() - 1;
        int occupied = 0;
        for (int s = 0; s < t.capacity(); s++) {
            long a = t.address(s);
            if (a == 0) {
                continue;
            }
            occupied++;
            for (int i = Hashing.mix(a) & mask; i != s; i = (i + 1) & mask) {
                assertTrue(t.address(i) != 0, "empty slot between home and entry");
            }
        }
        assertEquals(t.size(), occupied);
    }

    @Property(tries = 50)
    void fieldsAtTheirLimitsRoundTrip(@ForAll("ops") List<Tuple2<Integer, Integer>> ops) {
        OutstandingTable t = new OutstandingTable(16);
        int slot = t.insert(0xffff888100000040L);
        t.set(slot, -1, Integer.MAX_VALUE, 4_194_303, OutstandingTable.MAX_SITE_TAGS - 1,
                OutstandingTable.MAX_CACHE_TAGS - 1, -1);
        for (Tuple2<Integer, Integer> op : ops) { // other entries come and go around it
            long a = address(op.get2());
            int s = t.find(a);
            if (s >= 0) {
                t.remove(s);
            } else {
                t.set(t.insert(a), 0, 0, 0, 0, 0, 0);
            }
        }
        int s = t.find(0xffff888100000040L);
        assertEquals(-1, t.tick(s));
        assertEquals(Integer.MAX_VALUE, t.size(s));
        assertEquals(4_194_303, t.pid(s));
        assertEquals(OutstandingTable.MAX_SITE_TAGS - 1, t.site(s));
        assertEquals(OutstandingTable.MAX_CACHE_TAGS - 1, t.cache(s));
        assertEquals(-1, t.stack(s));
    }

    @Property(tries = 100)
    void stackTableInternsEachDistinctSequenceOnce(@ForAll("ops") List<Tuple2<Integer, Integer>> ops) {
        StackTable st = new StackTable();
        Map<List<Long>, Integer> model = new HashMap<>();
        for (Tuple2<Integer, Integer> op : ops) {
            int depth = op.get1();
            long[] frames = new long[depth];
            for (int i = 0; i < depth; i++) {
                frames[i] = 0xffffffff81000000L + ((op.get2() * 31L + i) % 37) * 16;
            }
            List<Long> key = java.util.Arrays.stream(frames).boxed().toList();
            int id = st.intern(frames, depth);
            Integer known = model.putIfAbsent(key, id);
            if (known != null) {
                assertEquals(known, id);
            } else {
                assertEquals(model.size() - 1, id);
            }
            assertEquals(key, java.util.Arrays.stream(st.frames(id)).boxed().toList());
        }
        assertEquals(model.size(), st.size());
    }

    /**
     * Address 0 is never stored (a failed allocation), and a probe for it ends at the first empty slot: not found, even
     * where an entry was removed and left its fields behind (a break detector asks about kfree(NULL) on every one).
     */
    @net.jqwik.api.Example
    void addressZeroIsNeverFound() {
        OutstandingTable t = new OutstandingTable(16);
        assertEquals(-1, t.find(0));
        for (int k = 0; k < 12; k++) {
            int slot = t.insert(address(k));
            t.set(slot, 5, 192, 1, 3, 7, 2);
        }
        assertEquals(-1, t.find(0));
        for (int k = 0; k < 12; k++) {
            t.remove(t.find(address(k)));
            assertEquals(-1, t.find(0), "after removing " + k);
        }
        assertTrue(t.probe(0) < 0);
    }
}
