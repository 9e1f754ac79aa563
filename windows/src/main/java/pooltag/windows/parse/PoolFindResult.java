package pooltag.windows.parse;

import java.util.List;

import pooltag.core.snapshot.Loss;

/**
 * The blocks of one or more {@code !poolfind} scans in a capture, in the order printed. {@link Loss#truncated()} is
 * true when a scan was interrupted ({@code ...terminating}) or rows were elided ({@code ......}): blocks beyond that
 * point exist but are not listed.
 */
public record PoolFindResult(List<PoolBlock> blocks, Loss loss) {
    public PoolFindResult {
        blocks = List.copyOf(blocks);
    }

    /** The allocated blocks only: {@code (Free)} blocks hold nothing. */
    public List<PoolBlock> live() {
        return blocks.stream().filter(PoolBlock::allocated).toList();
    }

    public long liveBytes() {
        long sum = 0;
        for (PoolBlock b : blocks) {
            if (b.allocated()) {
                sum += b.bytes();
            }
        }
        return sum;
    }
}
