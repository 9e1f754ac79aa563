package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every loss a session can see is in its total and in the one line every command prints. */
class SessionStatsTest {
    @Test
    void eventsLeftInTheKernelBufferAreALossOfTheirOwn() {
        long[] kinds = new long[KmemDecoder.KINDS];
        kinds[KmemDecoder.KIND_CACHE_ALLOC] = 90;
        // kernel: 2 dropped on cpu0 + 3 in page headers; pooltag's backlog 5; unaccounted 7; left in the kernel 11
        SessionStats st = new SessionStats(4, kinds, 0, 0, 0, 0, 0, 3, 1, new long[] {2, 0}, 1, 5, 7, 11, 101, 0,
                4, 2, 2, 46876, 8192, 4096, true);
        assertEquals(5, st.lostByKernel());
        assertEquals(5 + 5 + 7 + 11, st.lostTotal());
        String line = st.describe();
        assertTrue(line.contains("lost by the kernel 5, by pooltag's backlog 5 (1 pages), unaccounted for 7,"
                + " left unread in the kernel's buffer 11;"), line);
    }
}
