package pooltag.core.rank;

import java.util.List;
import java.util.Locale;

/**
 * The ranking of a hunt: findings (one per cause) and every tag with enough mature outstanding allocations.
 *
 * @param durationS       the window ranked, seconds
 * @param events          events the ledger received
 * @param lostEvents      events the kernel lost (each loss flagged without a count adds 1)
 * @param unpairedFrees   frees of allocations made before tracing began (or lost)
 * @param doubleAllocs    allocations at an address still outstanding: a free was missed
 * @param threshold       confidence at or above which a suspect is called a leak
 * @param suspects        all ranked tags, ordered by finding (each finding's cause tag first, then its other tags),
 *                        then the tags of no finding by confidence
 * @param notes           conditions that limit the whole ranking (a window shorter than the age threshold, loss)
 * @param findings        one per cause, most confident first
 */
public record HuntReport(double durationS, long events, long lostEvents, long unpairedFrees, long doubleAllocs,
                         double threshold, List<Suspect> suspects, List<String> notes, List<Finding> findings) {

    public HuntReport(double durationS, long events, long lostEvents, long unpairedFrees, long doubleAllocs,
                      double threshold, List<Suspect> suspects, List<String> notes) {
        this(durationS, events, lostEvents, unpairedFrees, doubleAllocs, threshold, suspects, notes, List.of());
    }

    /** The suspects at or above the threshold. */
    public List<Suspect> leaks() {
        return suspects.stream().filter(s -> s.confidence() >= threshold).toList();
    }

    /** The findings at or above the threshold. */
    public List<Finding> leakFindings() {
        return findings.stream().filter(f -> f.confidence() >= threshold).toList();
    }

    /**
     * The hunt's answer in one line, as every view prints it: how many leaks reached the threshold, or plainly that
     * none did (with the most confident finding, when there is one).
     */
    public String verdict() {
        int leaks = leakFindings().size();
        if (leaks == 0) {
            return String.format(Locale.ROOT, "No leak found: no finding reached confidence %.2f%s", threshold,
                    findings.isEmpty() ? "" : String.format(Locale.ROOT, " (the most confident: %s at %.2f)",
                            findings.get(0).causeTag(), findings.get(0).confidence()));
        }
        return String.format(Locale.ROOT, "%d leak%s found at or above confidence %.2f", leaks, leaks == 1 ? "" : "s",
                threshold);
    }
}
