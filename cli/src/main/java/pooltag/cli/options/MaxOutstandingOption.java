package pooltag.cli.options;

import java.util.Locale;

import picocli.CommandLine.Option;
import pooltag.core.error.PooltagException;
import pooltag.core.ledger.LedgerOptions;
import pooltag.linux.kmem.KmemTagPolicy;

/**
 * {@code --max-outstanding N}: the cap on outstanding allocations of every command that keeps a ledger (a picocli
 * mixin: {@code @Mixin MaxOutstandingOption cap}). Beyond it the ledger evicts the oldest and counts them
 * ({@code evicted_outstanding} in every loss line and JSON), so a long {@code exporter --trace} under an event
 * storm holds its memory. The default lets the outstanding table take a quarter of the heap at most.
 */
public final class MaxOutstandingOption {
    @Option(names = "--max-outstanding", paramLabel = "N",
            description = "keep at most N outstanding allocations; beyond, the oldest are evicted and counted "
                    + "(at most 105 bytes each; 500k, 2M; default: a quarter of the heap, "
                    + "-Xmx1g gives 2.5M)")
    String value;

    /** The cap, as typed or the heap-sized default. @throws PooltagException one line naming the option */
    public int maxOutstanding() {
        return value == null ? LedgerOptions.defaultMaxOutstanding() : parse(value);
    }

    /** A Linux ledger's options with this cap. */
    public LedgerOptions ledgerOptions() {
        return KmemTagPolicy.ledgerOptions(maxOutstanding());
    }

    /** {@code 250000}, {@code 500k}, {@code 2M} (k = 1,000, M = 1,000,000). */
    static int parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("k")) {
            mult = 1_000;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            mult = 1_000_000;
            t = t.substring(0, t.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new PooltagException("bad --max-outstanding '" + s + "': expected a count such as 500000, 500k or 2M");
        }
        long max = LedgerOptions.MAX_MAX_OUTSTANDING;
        if (n < 0 || n > max / mult || n * mult < LedgerOptions.MIN_MAX_OUTSTANDING) {
            throw new PooltagException("bad --max-outstanding '" + s + "': must be between "
                    + LedgerOptions.MIN_MAX_OUTSTANDING + " and " + max);
        }
        return (int) (n * mult);
    }
}
