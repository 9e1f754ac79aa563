package pooltag.core.rank;

import java.util.List;

import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;

/**
 * One ranked tag.
 *
 * @param module            the module of the tag's site (for a cache: of the site holding most of its bytes)
 * @param outstanding       allocations outstanding at the end of the window, all ages
 * @param outstandingBytes  bytes they hold
 * @param growthPerS        least-squares slope of the survivor series, allocations per second
 * @param growthBytesPerS   the same in bytes (slope x mean size of the mature survivors)
 * @param confidence        in [0,1]; the product of the factors in {@link Evidence}
 */
public record Suspect(String tag, TagKind kind, Pool pool, String module, long outstanding, long outstandingBytes,
                      double growthPerS, double growthBytesPerS, double confidence, Evidence evidence,
                      List<StackSummary> topStacks) {
}
