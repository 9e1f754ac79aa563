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
