package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;

/**
 * Reads {@code !poolfind} output (old and new layouts) into the blocks found.
 *
 * <ul>
 *   <li>old: {@code 826fa130 size:   c0 previous size:   40  (Allocated) SeSd}, sizes in hex, the pool taken from
 *       the preceding {@code Searching NonPaged pool (lo : hi) for Tag: SeSd} line, else from the command's PoolType;</li>
 *   <li>new: {@code ffffda000a9e0010 : tag amda, size     0x140, Nonpaged pool};</li>
 *   <li>big-page table entries ({@code *<addr> :large page allocation, Tag is Abc , size is 0x2000 bytes}, or
 *       {@code :free large page allocation, Tag was ...}, not live) and special-pool blocks
 *       ({@code *<addr> size:  3c8 pagable special pool, Tag is Abc }).</li>
 * </ul>
 * {@code (Free)} and {@code (Free )} blocks are listed but not live.
 * Rows are read inside a scan: after a {@code !poolfind} command or a {@code Scanning}/{@code Searching} line, up
 * to the next other command (a session log also holds {@code !pool} output, which looks the same). There, a line
 * that starts like a row and does not read is an error naming its line; other unrecognised lines are skipped and
 * counted.
 */
public final class PoolFindParser {
    private static final Pattern PROMPT = Pattern.compile("^\\s*(?:\\d+:\\s*)?kd>\\s*(.*)$");
    private static final Pattern COMMAND = Pattern.compile("^!poolfind\\s+(\\S+)(?:\\s+(\\S+))?.*");
    private static final Pattern OLD_ROW = Pattern.compile(
            "^\\s*\\*?([0-9a-fA-F`]+)\\s+size:\\s*([0-9a-fA-F]+)\\s+previous size:\\s*([0-9a-fA-F]+)\\s+\\((Allocated|Free)\\s*\\)\\s*\\*?(.*)$");
    /** A block from the big-page table: {@code *<addr> :large page allocation, Tag is Abc , size is 0x2000 bytes}. */
    private static final Pattern LARGE_ROW = Pattern.compile(
            "^\\s*\\*?([0-9a-fA-F`]+)\\s*:\\s*(free\\s+)?large page allocation, Tag (?:is|was) (.{1,4}?)\\s*,\\s*size (?:is|was)\\s+(0x[0-9a-fA-F]+|[0-9a-fA-F]+) bytes.*$",
            Pattern.CASE_INSENSITIVE);
    /** A special-pool block: {@code *<addr> size:  3c8 non-paged special pool, Tag is Abc }. */
    private static final Pattern SPECIAL_ROW = Pattern.compile(
            "^\\s*\\*?([0-9a-fA-F`]+)\\s+size:\\s*([0-9a-fA-F]+)\\s+(pagable|non-paged) special pool, Tag is (.{1,4}?)\\s*$");
    private static final Pattern NEW_ROW = Pattern.compile(
            "^\\s*([0-9a-fA-F`]+)\\s*:\\s*tag\\s+(.{1,4}?)\\s*,\\s*size\\s+(0x[0-9a-fA-F]+|[0-9a-fA-F]+)\\s*,\\s*(\\S+)\\s+pool\\s*$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern ROW_LIKE = Pattern.compile("^\\s*\\*?[0-9a-fA-F`]{8,17}\\s*(?::|size:).*");
    private static final Pattern SEARCHING = Pattern.compile("^\\s*Searching\\s+(\\S+)\\s+pool\\b.*", Pattern.CASE_INSENSITIVE);
    private static final Pattern KNOWN = Pattern.compile(
            "^\\s*(?:Pool page .*|Owning component.*)$");

    private PoolFindParser() {
    }

    public static PoolFindResult parse(CaptureText text) {
        return text.read(() -> parseLines(text));
    }

    private static PoolFindResult parseLines(CaptureText text) {
        List<PoolBlock> blocks = new ArrayList<>();
        String poolName = "NonPaged";
        long skipped = 0;
        boolean truncated = false;
        boolean recognised = false;
        // Rows count only inside a scan: a session log also holds !pool output, which looks the same.
        boolean inScan = false;
        for (int n = 1; n <= text.lineCount(); n++) {
            String l = text.line(n);
            if (CaptureText.isComment(l) || l.isBlank()) {
                continue;
            }
            Matcher prompt = PROMPT.matcher(l);
            if (prompt.matches()) {
                Matcher c = COMMAND.matcher(prompt.group(1).strip());
                inScan = c.matches();
                if (inScan) {
                    recognised = true;
                    poolName = poolTypeName(c.group(2));
                }
                continue;
            }
            Matcher s = SEARCHING.matcher(l);
            if (s.matches()) {
                recognised = true;
                inScan = true;
                poolName = s.group(1);
                continue;
            }
            if (l.stripLeading().startsWith("Scanning large pool allocation table")) {
                recognised = true;
                inScan = true;
                continue;
            }
            if (!inScan) {
                continue;
            }
            String stripped = l.strip();
            if (stripped.startsWith("...terminating") || stripped.matches("\\.{2,}")) {
                truncated = true;
                continue;
            }
            if (KNOWN.matcher(l).matches()) {
                recognised = true;
                continue;
            }
            Matcher old = OLD_ROW.matcher(l);
            if (old.matches()) {
                String tag = old.group(5).strip();
                tag = tag.length() > 4 ? tag.substring(0, 4).stripTrailing() : tag;
                blocks.add(new PoolBlock(address(text, n, old.group(1)), Hex.parse(old.group(2)), tag,
                        pool(poolName), poolName, old.group(4).equals("Allocated"), n));
                continue;
            }
            Matcher large = LARGE_ROW.matcher(l);
            if (large.matches()) {
                blocks.add(new PoolBlock(address(text, n, large.group(1)), Hex.parse(large.group(4)),
                        large.group(3).stripTrailing(), pool(poolName), poolName, large.group(2) == null, n));
                continue;
            }
            Matcher special = SPECIAL_ROW.matcher(l);
            if (special.matches()) {
                boolean pagable = special.group(3).equals("pagable");
                blocks.add(new PoolBlock(address(text, n, special.group(1)), Hex.parse(special.group(2)),
                        special.group(4).stripTrailing(), pagable ? Pool.PAGED : Pool.NONPAGED,
                        pagable ? "Special (pagable)" : "Special (non-paged)", true, n));
                continue;
            }
            Matcher neu = NEW_ROW.matcher(l);
            if (neu.matches()) {
                blocks.add(new PoolBlock(address(text, n, neu.group(1)), Hex.parse(neu.group(3)),
                        neu.group(2).stripTrailing(), pool(neu.group(4)), neu.group(4), true, n));
                continue;
            }
            if (ROW_LIKE.matcher(l).matches()) {
                throw text.error(n, "!poolfind row does not read: expected '<address> size: <hex> previous size: <hex>"
                        + " (Allocated|Free) <Tag>' or '<address> : tag <Tag>, size <hex>, <Pool> pool'");
            }
            skipped++;
        }
        if (!recognised && blocks.isEmpty()) {
            throw text.error(1, "no !poolfind output: no 'Searching ... pool' line and no block rows");
        }
        return new PoolFindResult(blocks, new Loss(0, 0, skipped, truncated));
    }

    private static long address(CaptureText text, int n, String s) {
        try {
            return Hex.parse(s);
        } catch (NumberFormatException e) {
            throw text.error(n, "bad address '" + s + "'");
        }
    }

    /** WinDbg's PoolType argument: 0 nonpaged (the default), 1 paged, 2 special pool, 4 session pool. */
    private static String poolTypeName(String arg) {
        if (arg == null) {
            return "NonPaged";
        }
        return switch (arg.toLowerCase(Locale.ROOT).replaceFirst("^0x", "")) {
            case "1" -> "Paged";
            case "2" -> "Special";
            case "4" -> "Session";
            default -> "NonPaged";
        };
    }

    /** Session pool is pageable; special pool, as Driver Verifier uses it, is counted with NonPaged. */
    private static Pool pool(String name) {
        String s = name.toLowerCase(Locale.ROOT);
        if (s.startsWith("nonpaged") || s.startsWith("special")) {
            return Pool.NONPAGED;
        }
        return s.startsWith("paged") || s.startsWith("session") ? Pool.PAGED : Pool.NONPAGED;
    }
}
