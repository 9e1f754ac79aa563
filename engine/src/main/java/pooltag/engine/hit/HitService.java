package pooltag.engine.hit;

import java.util.List;

import pooltag.core.snapshot.Loss;
import pooltag.engine.publish.WebServices;

/**
 * What the web page's Hit view calls: {@code ed nt!poolhittag} on the live kernel, one tag armed at a time. The
 * implementation (the ledger's hit session) is wired by {@link WebServices}; without one the page says "not
 * available in this build". Calls come from the HTTP server's threads, concurrently: implementations are
 * thread-safe and read the ledger's published state, never its live tables.
 *
 * <p>Records carry no kernel address on purpose (the server never serves one): an allocation is identified by
 * its sequence number, and stack frames are {@code symbol+0xoff/0xlen}.
 */
public interface HitService {
    /** Arms a break on {@code tag} (as {@code pooltag hit} takes it: cache, site, wildcard); replaces any armed tag. */
    Status arm(String tag);

    /** Clears the armed tag ({@code ed nt!poolhittag 0}). */
    Status clear();

    Status status();

    /** Hits with {@code seq > after}, oldest first, at most {@code max}. */
    List<Hit> hitsAfter(long after, int max);

    /**
     * @param armedTag the armed tag, or null when none is armed
     * @param hits     hits recorded since it was armed
     * @param loss     events the kernel dropped while armed; shown on the page, never hidden
     */
    record Status(String armedTag, long hits, Loss loss) {
    }

    /**
     * One break, as {@code kb} shows it.
     *
     * @param seq       1, 2, 3... since the tag was armed
     * @param timeNanos CLOCK_MONOTONIC of the event
     * @param event     {@code alloc} or {@code free}
     * @param bytes     bytes allocated (0 for a free)
     * @param stack     frames, innermost first ({@code kmem_cache_alloc+0x1a4/0x4c0})
     */
    record Hit(long seq, long timeNanos, String event, int cpu, int pid, String comm, String tag, String pool, long bytes,
               List<String> stack) {
    }
}
