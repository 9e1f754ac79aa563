package pooltag.windows.parse;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Tells which Windows capture a text is, from its content alone (file names lie: captures are saved as
 * {@code log.txt}). The first distinctive line decides; a text with none is rejected, naming its first line, so
 * that a wrong file is never half-read.
 */
public final class FormatDetector {
    static final Pattern POOLUSED_HEADER = Pattern.compile("^\\s*Tag\\s+Allocs\\s+(?:Frees\\s+Diff\\s+)?Used\\b.*");
    /** True for PoolMon's column header, {@code Tag  Type  Allocs ...}: it starts a screen. */
    static boolean isPoolMonHeader(String line) {
        return POOLMON_HEADER.matcher(line).matches();
    }

    /** The optional {@code ## } is in the header as Microsoft's own PoolMon page publishes it (copied from there). */
    static final Pattern POOLMON_HEADER = Pattern.compile("^\\s*(?:##\\s+)?Tag\\s+Type\\s+Allocs\\b.*");
    static final Pattern VERIFIER_HEADER = Pattern.compile(
            "^\\s*(?:PoolAddress|Address)\\s+(?:SizeInBytes|Length|Size)\\s+Tag\\s+(?:CallersAddress|Caller).*",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern POOLFIND_LINE = Pattern.compile(
            "^\\s*(?:Scanning large pool allocation table for [Tt]ag|Searching \\S+ pool \\(|(?:\\d+: )?kd> !poolfind\\b).*");
    private static final Pattern POOLTAG_ENTRY = Pattern.compile("^\\S.{0,3}\\s+-\\s+\\S.*");
    private static final Pattern POOLTAG_COMMENT = Pattern.compile("^(?i:rem)(?:\\s.*)?$|^//.*");

    private FormatDetector() {
    }

    /**
     * A line only a tag-breakpoint session has: {@code nt!PoolHitTag} named, an allocator's break symbol
     * ({@code nt!ExAllocatePoolWithTag+0x881:}, {@code nt!ExAllocatePool2:}), or a {@code bp}/{@code bu} on an
     * allocator or free routine typed at a {@code kd>} prompt. Substring tests and one anchored match: linear.
     */
    static boolean isHitLine(String l, String lower) {
        if (lower.contains("nt!poolhittag") || PoolHitTagParser.BREAK_SYMBOL.matcher(l).matches()) {
            return true;
        }
        if (PoolHitTagParser.isBareBreakpoint(l)) {
            return true;
        }
        int kd = lower.indexOf("kd>");
        if (kd < 0) {
            return false;
        }
        String cmd = lower.substring(kd + 3).stripLeading();
        return (cmd.startsWith("bp") || cmd.startsWith("bu"))
                && (cmd.contains("!exallocatepool") || cmd.contains("!exfreepool"));
    }

    /**
     * The kind of the first distinctive line: what the capture mainly is.
     *
     * @throws pooltag.core.error.PooltagException when the text is not Windows pool data
     */
    public static CaptureKind detect(CaptureText text) {
        return kinds(text).iterator().next();
    }

    /**
     * Every kind of output the text holds, in order of first appearance: a whole debugger session log can hold a
     * {@code !poolused} table, PoolHitTag breaks and a {@code !poolfind} scan, and each command reads its part.
     *
     * @return a non-empty set
     * @throws pooltag.core.error.PooltagException when the text is not Windows pool data
     */
    public static Set<CaptureKind> kinds(CaptureText text) {
        Set<CaptureKind> kinds = new LinkedHashSet<>();
        int firstContent = 0;
        int pooltagEntries = 0;
        int pooltagComments = 0;
        int contentLines = 0;
        for (int n = 1; n <= text.lineCount(); n++) {
            String l = text.line(n);
            if (CaptureText.isComment(l) || l.isBlank()) {
                continue;
            }
            if (firstContent == 0) {
                firstContent = n;
            }
            contentLines++;
            String lower = l.toLowerCase(Locale.ROOT);
            if (lower.startsWith("slabinfo - version")) {
                throw text.error(n, "this is a Linux /proc/slabinfo, not Windows pool data;"
                        + " pooltag reads Linux slab caches live (pooltag poolused)");
            }
            if (isHitLine(l, lower)) {
                kinds.add(CaptureKind.POOLHITTAG);
            } else if (POOLUSED_HEADER.matcher(l).matches() || lower.contains("kd> !poolused")) {
                kinds.add(CaptureKind.POOLUSED);
            } else if (POOLMON_HEADER.matcher(l).matches()) {
                kinds.add(CaptureKind.POOLMON);
            } else if (VERIFIER_HEADER.matcher(l).matches() || lower.contains("kd> !verifier")) {
                kinds.add(CaptureKind.VERIFIER);
            } else if (POOLFIND_LINE.matcher(l).matches()) {
                kinds.add(CaptureKind.POOLFIND);
            } else if (POOLTAG_COMMENT.matcher(l).matches()) {
                pooltagComments++;
            } else if (POOLTAG_ENTRY.matcher(l).matches()) {
                pooltagEntries++;
            }
        }
        if (!kinds.isEmpty()) {
            return kinds;
        }
        // pooltag.txt has no header: it is one when three quarters of its lines are entries and comments.
        if (pooltagEntries > 0 && (pooltagEntries + pooltagComments) * 4 >= contentLines * 3) {
            return Set.of(CaptureKind.POOLTAG_TXT);
        }
        if (firstContent == 0) {
            throw text.error(1, "empty: no !poolused, PoolMon, !poolfind, !verifier, PoolHitTag or pooltag.txt text");
        }
        throw text.error(firstContent, "not Windows pool data: no !poolused, PoolMon, !poolfind, !verifier,"
                + " PoolHitTag or pooltag.txt text found (first line: '" + abbreviate(text.line(firstContent)) + "')");
    }

    static String abbreviate(String l) {
        String t = l.strip();
        return t.length() <= 60 ? t : t.substring(0, 57) + "...";
    }
}
