package pooltag.windows;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.windows.parse.CaptureKind;
import pooltag.windows.parse.CaptureText;
import pooltag.windows.parse.FormatDetector;
import pooltag.windows.parse.PoolFindParser;
import pooltag.windows.parse.PoolFindResult;
import pooltag.windows.parse.PoolHitTagParser;
import pooltag.windows.parse.PoolMonParser;
import pooltag.windows.parse.PoolTagFile;
import pooltag.windows.parse.PoolUsedParser;
import pooltag.windows.parse.Transcript;
import pooltag.windows.parse.VerifierParser;
import pooltag.windows.parse.VerifierReport;

/**
 * The entry points for Windows captures: read a file, tell what it holds from its content, parse the part asked
 * for (a whole debugger session log may hold a {@code !poolused} table, PoolHitTag breaks and a {@code !poolfind}
 * scan: each reader takes its own). Every method
 * throws {@link PooltagException} with a {@code file:line: what} message for input it cannot read, and rejects
 * a file of another kind rather than half-reading it.
 */
public final class WindowsCaptures {
    private WindowsCaptures() {
    }

    /** What the file holds. */
    public static CaptureKind detect(Path file) {
        return FormatDetector.detect(CaptureText.read(file));
    }

    /**
     * A {@code !poolused} capture or a PoolMon screen or {@code /n} snapshot file, told apart by content. A file of
     * several PoolMon screens gives its last (the latest refresh); {@link #readSnapshots} gives them all.
     */
    public static UsageSnapshot readSnapshot(Path file) {
        List<UsageSnapshot> all = readSnapshots(file);
        return all.get(all.size() - 1);
    }

    /** Every snapshot of the file, in file order: one for {@code !poolused}, one per screen for PoolMon. */
    public static List<UsageSnapshot> readSnapshots(Path file) {
        CaptureText text = CaptureText.read(file);
        Set<CaptureKind> kinds = FormatDetector.kinds(text);
        if (kinds.contains(CaptureKind.POOLUSED)) {
            return List.of(PoolUsedParser.parse(text));
        }
        if (kinds.contains(CaptureKind.POOLMON)) {
            return PoolMonParser.parseAll(text);
        }
        throw new PooltagException(file + ": is a " + kinds.iterator().next().title()
                + " capture, not a usage snapshot: give a !poolused or PoolMon capture");
    }

    /**
     * Any capture as a usage table, for views that show one table (the web page's Open view): {@code !poolused} and
     * PoolMon as {@link #readSnapshot}; a {@code !poolfind} or {@code !verifier 3} capture as one row per tag (and
     * pool) of the allocations it lists, Diff being their count and Bytes their size, the description saying what
     * listed them (and, for Driver Verifier, the callers, most bytes first). Its loss is the capture's.
     */
    public static UsageSnapshot readAsUsage(Path file) {
        CaptureText text = CaptureText.read(file);
        Set<CaptureKind> kinds = FormatDetector.kinds(text);
        if (kinds.contains(CaptureKind.POOLUSED) || kinds.contains(CaptureKind.POOLMON)) {
            return readSnapshot(file);
        }
        if (kinds.contains(CaptureKind.POOLFIND)) {
            PoolFindResult r = PoolFindParser.parse(text);
            java.util.Map<String, long[]> rows = new java.util.LinkedHashMap<>();
            java.util.Map<String, pooltag.windows.parse.PoolBlock> first = new java.util.HashMap<>();
            for (pooltag.windows.parse.PoolBlock b : r.live()) {
                String key = b.tag() + '\u0000' + b.pool();
                long[] c = rows.computeIfAbsent(key, k -> new long[2]);
                c[0]++;
                c[1] += b.bytes();
                first.putIfAbsent(key, b);
            }
            List<pooltag.core.snapshot.TagUsage> out = new java.util.ArrayList<>();
            for (var e : rows.entrySet()) {
                pooltag.windows.parse.PoolBlock b = first.get(e.getKey());
                out.add(new pooltag.core.snapshot.TagUsage(b.tag(), pooltag.core.tag.TagKind.POOL, b.pool(), -1, -1,
                        e.getValue()[0], e.getValue()[1], "!poolfind: allocated blocks found in " + b.poolName() + " pool"));
            }
            return new UsageSnapshot(text.embeddedEpochNanos(), text.name(), out, r.loss());
        }
        if (kinds.contains(CaptureKind.VERIFIER)) {
            VerifierReport r = VerifierParser.parse(text);
            java.util.Map<String, java.util.Map<String, Long>> callers = new java.util.LinkedHashMap<>();
            java.util.Map<String, long[]> rows = new java.util.LinkedHashMap<>();
            for (pooltag.windows.parse.VerifierAllocation a : r.allocations()) {
                long[] c = rows.computeIfAbsent(a.tag(), k -> new long[2]);
                c[0]++;
                c[1] += a.bytes();
                String caller = a.caller() + (a.module().isEmpty() ? "" : " (" + a.module() + ")");
                callers.computeIfAbsent(a.tag(), k -> new java.util.LinkedHashMap<>()).merge(caller, a.bytes(), Long::sum);
            }
            List<pooltag.core.snapshot.TagUsage> out = new java.util.ArrayList<>();
            for (var e : rows.entrySet()) {
                List<String> by = callers.get(e.getKey()).entrySet().stream()
                        .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                        .map(x -> x.getKey() + " " + x.getValue() + " B").toList();
                // Driver Verifier's table does not say the pool; NonPaged is shown, and the description says so.
                out.add(new pooltag.core.snapshot.TagUsage(e.getKey(), pooltag.core.tag.TagKind.POOL,
                        pooltag.core.snapshot.Pool.NONPAGED, -1, -1, e.getValue()[0], e.getValue()[1],
                        "!verifier 3 (pool not shown): callers " + String.join(", ", by)));
            }
            return new UsageSnapshot(text.embeddedEpochNanos(), text.name(), out, r.loss());
        }
        throw new PooltagException(file + ": is a " + kinds.iterator().next().title()
                + " capture: give a !poolused, PoolMon, !poolfind or !verifier capture");
    }

    public static PoolFindResult readPoolFind(Path file) {
        return parseAs(file, CaptureKind.POOLFIND, PoolFindParser::parse);
    }

    public static Transcript readTranscript(Path file) {
        return parseAs(file, CaptureKind.POOLHITTAG, PoolHitTagParser::parse);
    }

    public static VerifierReport readVerifier(Path file) {
        return parseAs(file, CaptureKind.VERIFIER, VerifierParser::parse);
    }

    /** The user's pooltag.txt. */
    public static PoolTagFile readPoolTagFile(Path file) {
        return parseAs(file, CaptureKind.POOLTAG_TXT, PoolTagFile::parse);
    }

    private static <T> T parseAs(Path file, CaptureKind want, java.util.function.Function<CaptureText, T> parser) {
        CaptureText text = CaptureText.read(file);
        Set<CaptureKind> kinds = FormatDetector.kinds(text);
        if (!kinds.contains(want)) {
            throw new PooltagException(file + ": is a " + kinds.iterator().next().title() + " capture, not "
                    + want.title());
        }
        return parser.apply(text);
    }
}
