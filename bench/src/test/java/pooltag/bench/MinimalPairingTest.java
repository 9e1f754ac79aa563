package pooltag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.testkit.ReusableEvent;

/**
 * The live floor's pairing (bench/compare.sh jfloorpair, jfloorinline; ReplayHunt pair, inline) is a yardstick only if
 * it pairs exactly: checked against a HashMap over a random stream of allocations and frees whose addresses collide in
 * the table (16-byte aligned in a small range), so deletion's backward shift and the table's growth are exercised.
 */
class MinimalPairingTest {
    @Test
    void pairsAsAMapDoesOverCollidingAddressesAndGrowth() {
        Random rnd = new Random(42);
        LiveFloor.MinimalPairing pairing = new LiveFloor.MinimalPairing();
        Map<Long, Long> live = new HashMap<>();
        long paired = 0;
        long unpaired = 0;
        ReusableEvent e = new ReusableEvent();
        for (int i = 0; i < 2_000_000; i++) {
            // 400,000 distinct addresses: up to ~200,000 outstanding, past the table's first size (2^17 at 3/4 load)
            long a = 0xffff_8880_0000_0000L + 16L * rnd.nextInt(400_000);
            if (rnd.nextBoolean()) {
                long site = 0xffff_ffff_8100_0000L + 64L * rnd.nextInt(3_000);
                e.alloc(AllocEvent.SOURCE_KMALLOC, i, 0, 1, a, site, 64, -1, 0xcc0);
                live.put(a, site);
            } else {
                e.free(i, 0, 1, a);
                if (live.remove(a) != null) {
                    paired++;
                } else {
                    unpaired++;
                }
            }
            pairing.onEvent(e);
        }
        assertEquals(paired, pairing.paired);
        assertEquals(unpaired, pairing.unpaired);
        assertEquals(String.format("%d paired, %d unpaired frees, %d outstanding, 3000 call sites", paired, unpaired,
                live.size()), pairing.describe());
    }
}
