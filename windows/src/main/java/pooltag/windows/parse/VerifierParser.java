package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import pooltag.core.snapshot.Loss;

/**
 * Reads the pool-tracking tables of {@code !verifier 3 [driver]} (or {@code 0xf}) in both layouts WinDbg prints:
 * <ul>
 * <li>Windows 7 x64's: after each driver's {@code <entry> Loaded <nonpaged> <paged> <module>} line, a
 * {@code PoolAddress SizeInBytes Tag CallersAddress} header, rows of bare hex;</li>
 * <li>the later one: after {@code MODULE: 0x84226b28 MyDriver.sys (Loaded)} or
 * {@code nt!_VF_TARGET_DRIVER 0xa013f2c8: Sample.sys (Loaded and Unloaded)}, an
 * {@code Address Length Tag Caller} header and a rule of dashes, rows of {@code 0x} numbers whose caller address
 * is followed by its symbol when the driver's symbols were loaded (the caller is then both, as printed).</li>
 * </ul>
 * A table ends at the first line that is not a row; a line inside it that starts with an address and does not read
 * is an error naming its line. Everything else (statistics, IRQL logs) is not pool tracking and is passed over.
 */
public final class VerifierParser {
    private static final Pattern LOADED = Pattern.compile(
            "^\\s*[0-9a-fA-F`]+\\s+(?:Loaded|Unloaded)\\s+[0-9a-fA-F]+\\s+[0-9a-fA-F]+\\s+(\\S+)\\s*$");
    /** The later layout's driver line: {@code MODULE: <addr> <driver> (Loaded)}, {@code nt!_VF_TARGET_DRIVER <addr>: <driver> (...)}. */
    private static final Pattern MODULE = Pattern.compile(
            "^\\s*(?:MODULE:|\\S*_VF_TARGET_DRIVER)\\s+(?:0x)?[0-9a-fA-F`]+:?\\s+(\\S+)\\s+\\((?:Loaded|Unloaded)[^)]*\\)\\s*$");
    private static final Pattern ROW = Pattern.compile("^\\s*((?:0x)?[0-9a-fA-F`]{8,17})\\s+(0x[0-9a-fA-F]+|[0-9a-fA-F]+)"
            + "\\s+(\\S.{0,3}?)\\s+(\\S+)(?:\\s+(\\S.*))?$"); // no lazy tail: CaptureText strips trailing blanks
    private static final Pattern ROW_LIKE = Pattern.compile("^\\s*(?:0x)?[0-9a-fA-F`]{8,17}(?:\\s.*)?$");
    /** The later layout's rule under its header: {@code ----------  ----------  ----  ----------}. */
    private static final Pattern RULE = Pattern.compile("^\\s*-{2,}(?:\\s+-{2,})*\\s*$");

    private VerifierParser() {
    }

    public static VerifierReport parse(CaptureText text) {
        return text.read(() -> parseLines(text));
    }

    private static VerifierReport parseLines(CaptureText text) {
        List<VerifierAllocation> rows = new ArrayList<>();
        String module = "";
        boolean inTable = false;
        boolean headerSeen = false;
        boolean truncated = false;
        int rowsAtHeader = 0; // a rule of dashes is passed over only before the table's first row
        for (int n = 1; n <= text.lineCount(); n++) {
            String l = text.line(n);
            if (CaptureText.isComment(l)) {
                continue;
            }
            if (FormatDetector.VERIFIER_HEADER.matcher(l).matches()) {
                inTable = true;
                headerSeen = true;
                rowsAtHeader = rows.size();
                continue;
            }
            Matcher loaded = LOADED.matcher(l);
            if (!loaded.matches()) {
                loaded = MODULE.matcher(l);
            }
            if (loaded.matches()) {
                module = loaded.group(1);
                inTable = false;
                continue;
            }
            if (!inTable) {
                continue;
            }
            if (RULE.matcher(l).matches() && rows.size() == rowsAtHeader) {
                continue;
            }
            if (l.strip().matches("\\.{2,}")) {
                truncated = true;
                continue;
            }
            Matcher m = ROW.matcher(l);
            if (m.matches()) {
                String caller = m.group(5) == null ? m.group(4) : m.group(4) + " " + m.group(5);
                rows.add(new VerifierAllocation(module, Hex.parse(m.group(1)), Hex.parse(m.group(2)),
                        m.group(3).stripTrailing(), caller, n));
                continue;
            }
            if (ROW_LIKE.matcher(l).matches()) {
                throw text.error(n, "!verifier pool-tracking row does not read: expected"
                        + " '<PoolAddress> <SizeInBytes> <Tag> <CallersAddress>'");
            }
            inTable = false;
        }
        if (!headerSeen) {
            throw text.error(1, "no !verifier pool tracking table ('PoolAddress  SizeInBytes  Tag  CallersAddress');"
                    + " enable pool tracking with verifier /flags 0x8 and capture !verifier 3");
        }
        return new VerifierReport(rows, new Loss(0, 0, 0, truncated));
    }
}
