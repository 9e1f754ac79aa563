package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

import pooltag.core.snapshot.Loss;

/**
 * The user's copy of pooltag.txt (the project ships none): which binary owns a tag, and what it is for.
 *
 * <p>Quirks read: {@code rem} and {@code //} comment lines; tags padded with spaces ({@code Cc  }); wildcard tags
 * ({@code Acp*}, {@code Afd?}); binaries {@code <unknown>}, {@code <multiple>}, {@code nt!cm}; two-field lines
 * ({@code ATmp - AppTag mount point}: the second field is a binary only when it looks like one); indented lines
 * that continue the previous description. Lines that are none of these are skipped and counted
 * ({@link #loss()}); a file with no entry at all is not a pooltag.txt and is rejected.
 */
public final class PoolTagFile {
    private static final Pattern COMMENT = Pattern.compile("^(?i:rem)(?:\\s.*)?$|^//.*|^;.*");
    private static final Pattern BINARY = Pattern.compile(
            "(?i)^(?:<unknown>|<multiple>|\\S+\\.(?:sys|dll|exe|drv)|\\w+!\\w+|nt|ntoskrnl|win32k\\w*)$");

    private final String source;
    private final List<PoolTagEntry> entries;
    private final Loss loss;

    private PoolTagFile(String source, List<PoolTagEntry> entries, Loss loss) {
        this.source = source;
        this.entries = List.copyOf(entries);
        this.loss = loss;
    }

    public static PoolTagFile parse(CaptureText text) {
        return text.read(() -> parseLines(text));
    }

    private static PoolTagFile parseLines(CaptureText text) {
        List<PoolTagEntry> entries = new ArrayList<>();
        long skipped = 0;
        PoolTagEntry last = null;
        for (int n = 1; n <= text.lineCount(); n++) {
            String l = text.line(n);
            if (l.isBlank() || CaptureText.isComment(l) || COMMENT.matcher(l).matches()) {
                continue;
            }
            if (Character.isWhitespace(l.charAt(0))) {
                if (last == null) {
                    skipped++;
                    continue;
                }
                String more = l.strip();
                last = new PoolTagEntry(last.tag(), last.binary(),
                        last.description().isEmpty() ? more : last.description() + " " + more, last.line());
                entries.set(entries.size() - 1, last);
                continue;
            }
            String[] entry = entry(l);
            if (entry == null) {
                skipped++;
                last = null;
                continue;
            }
            String tag = entry[0];
            String[] fields = splitField(entry[1]);
            String binary;
            String description;
            if (fields.length == 2) {
                binary = fields[0].strip();
                description = fields[1].strip();
            } else if (BINARY.matcher(fields[0].strip()).matches()) {
                binary = fields[0].strip();
                description = "";
            } else {
                binary = "";
                description = fields[0].strip();
            }
            last = new PoolTagEntry(tag, binary, description, n);
            entries.add(last);
        }
        if (entries.isEmpty()) {
            throw text.error(1, "no pooltag.txt entries ('<Tag> - <binary> - <description>') found");
        }
        return new PoolTagFile(text.name(), entries, new Loss(0, 0, skipped, false));
    }

    /**
     * A tag of 1 to 4 characters (the first not blank, spaces inside allowed: the shortest that fits), blanks,
     * {@code -}, blanks, the rest: {@code [tag, rest stripped]}, or null. At most four scans of the blank run after
     * the tag, so linear in the line (the regex {@code (\\S.{0,3}?)\\s*\\s-\\s+(.*?)\\s*$} it replaces was not).
     */
    static String[] entry(String l) {
        if (l.isEmpty() || Character.isWhitespace(l.charAt(0))) {
            return null;
        }
        for (int k = 1; k <= 4 && k < l.length(); k++) {
            int j = k;
            while (j < l.length() && Character.isWhitespace(l.charAt(j))) {
                j++;
            }
            if (j > k && j + 1 < l.length() && l.charAt(j) == '-' && Character.isWhitespace(l.charAt(j + 1))) {
                return new String[] {l.substring(0, k).stripTrailing(), l.substring(j + 1).strip()};
            }
            if (j > k) {
                // Blanks not followed by " - ": the tag cannot reach past them.
                k = j - 1;
            }
        }
        return null;
    }

    /** The rest split at its first {@code -} with blanks on both sides, as {@code \\s+-\\s+} would: one pass. */
    static String[] splitField(String rest) {
        for (int i = 1; i + 1 < rest.length(); i++) {
            if (rest.charAt(i) == '-' && Character.isWhitespace(rest.charAt(i - 1))
                    && Character.isWhitespace(rest.charAt(i + 1))) {
                return new String[] {rest.substring(0, i).strip(), rest.substring(i + 1).strip()};
            }
        }
        return new String[] {rest};
    }

    public String source() {
        return source;
    }

    public List<PoolTagEntry> entries() {
        return entries;
    }

    /** Lines that were neither entries, continuations nor comments. */
    public Loss loss() {
        return loss;
    }

    /**
     * The entries that name {@code poolTag}: its exact entries (a tag may be listed for several binaries), else the
     * narrowest wildcard entries that match ({@code Acp*} before {@code A*}); empty when none does.
     */
    public List<PoolTagEntry> lookup(String poolTag) {
        List<PoolTagEntry> exact = new ArrayList<>();
        List<PoolTagEntry> wild = new ArrayList<>();
        for (PoolTagEntry e : entries) {
            if (e.matches(poolTag)) {
                (e.isWildcard() ? wild : exact).add(e);
            }
        }
        if (!exact.isEmpty() || wild.isEmpty()) {
            return exact;
        }
        int best = wild.stream().mapToInt(PoolTagEntry::literalLength).max().orElse(0);
        return wild.stream().filter(e -> e.literalLength() == best)
                .sorted(Comparator.comparingInt(PoolTagEntry::line)).toList();
    }
}
