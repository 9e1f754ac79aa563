package pooltag.core.rank;

import java.util.List;

/**
 * The ranking of a hunt: every tag with enough mature outstanding allocations, most likely leak first.
 *
 * @param durationS       the window ranked, seconds
 * @param events          events the ledger received
 * @param lostEvents      events the kernel lost (each loss flagged without a count adds 1)
 * @param unpairedFrees   frees of allocations made before tracing began (or lost)
 * @param doubleAllocs    allocations at an address still outstanding: a free was missed
 * @param threshold       confidence at or above which a suspect is called a leak
 * @param suspects        all ranked tags, by confidence, then outstanding bytes
 * @param notes           conditions that limit the whole ranking (a window shorter than the age threshold, loss)
 */
public record HuntReport(double durationS, long events, long lostEvents, long unpairedFrees, long doubleAllocs,
                         double threshold, List<Suspect> suspects, List<String> notes) {
    /** The suspects at or above the threshold. */
    public List<Suspect> leaks() {
        return suspects.stream().filter(s -> s.confidence() >= threshold).toList();
    }
}
