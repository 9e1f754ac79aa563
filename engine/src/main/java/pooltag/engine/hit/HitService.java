package pooltag.engine.hit;

import java.util.List;

import pooltag.core.snapshot.Loss;
import pooltag.engine.publish.WebServices;

/**
 * What the web page's Hit view calls: {@code ed nt!poolhittag} on the live kernel, one tag armed at a time. The
 * implementation ({@link LiveHitService}) is wired by {@code ServeCommand} into {@link WebServices}; without one
 * (tracing not possible here) the page says so. Calls come from the HTTP server's threads, concurrently: implementations are
 * thread-safe and read the ledger's published state, never its live tables.
 *
 * <p>A {@link Break} holds the block's kernel address; the HTTP layer never serves it (an allocation is identified
 * by its sequence number, and stack frames are {@code symbol+0xoff/0xlen}).
 */
public interface HitService {
    /** Arms a break on {@code tag} (as {@code pooltag hit} takes it: cache, site, wildcard); replaces any armed tag. */
    Status arm(String tag);

    /** Clears the armed tag ({@code ed nt!poolhittag 0}). */
    Status clear();

    Status status();

    /** Hits with {@code seq > after}, oldest first, at most {@code max}. */
    List<Break> hitsAfter(long after, int max);

    /**
     * @param armedTag the armed tag, or null when none is armed
     * @param hits     hits recorded since it was armed
     * @param loss     events the kernel dropped while armed; shown on the page, never hidden
     * @param note     "" or what the armed tag resolved to that the tag does not say: a cache SLUB merged into
     *                 another ({@link HitTarget#mergeNote()})
     */
    record Status(String armedTag, long hits, Loss loss, String note) {
        public Status(String armedTag, long hits, Loss loss) {
            this(armedTag, hits, loss, "");
        }
    }
}
