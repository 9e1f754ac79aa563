package pooltag.windows.parse;

import java.util.List;

import pooltag.core.snapshot.Loss;

/**
 * The outstanding allocations of a {@code !verifier} capture. {@link Loss#truncated()} is true when rows were elided
 * ({@code ...}): the driver has more allocations than listed.
 */
public record VerifierReport(List<VerifierAllocation> allocations, Loss loss) {
    public VerifierReport {
        allocations = List.copyOf(allocations);
    }
}
