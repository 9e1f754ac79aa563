package pooltag.windows;

import pooltag.core.error.PooltagException;
import pooltag.core.tag.TagPattern;
import pooltag.core.tag.WinDbgTag;
import pooltag.windows.parse.BreakpointTag;

/**
 * The one check of a Windows pool tag or tag pattern typed on the command line ({@code tags TAG}, {@code verifier
 * FILE TAG}, {@code find --from CAPTURE TAG}, {@code poolused --from CAPTURE TagString}): a tag is four bytes, so a
 * longer one, an empty or blank one, or a character that is not a byte can match nothing and would only print an
 * empty table that looks like an answer. Refused before any file is read, as one line naming the value.
 */
public final class TagArgument {
    /** What a pool tag is, for every message. */
    static final String RULE = "a pool tag has 1 to 4 characters";

    private TagArgument() {
    }

    /**
     * A literal tag as {@code tags} takes it: 1 to 4 characters, or a tag breakpoint line
     * ({@code bp nt!ExAllocatePool2 ".if (@r8 == 0x6b61654c) {} .else {gc}"}) whose constant is decoded.
     *
     * @throws PooltagException one line naming the value, for anything that is not a tag
     */
    public static String tag(String typed) {
        String t = typed.length() > 4 ? BreakpointTag.decode(typed) : typed;
        if (t == null) {
            throw bad(typed, RULE);
        }
        check(typed, t, t.length());
        return t;
    }

    /**
     * A TagString ({@code * any run}, {@code ? one character}) that can match a pool tag: at most 4 characters
     * besides the stars (each {@code ?} stands for one), and not blank. Null (no pattern given) matches every tag.
     *
     * @throws PooltagException one line naming the value, for a pattern no pool tag can match
     */
    public static TagPattern pattern(String typed) {
        if (typed == null) {
            return TagPattern.any();
        }
        check(typed, typed.replace("*", ""), typed.replace("*", "").length());
        return TagPattern.of(typed);
    }

    /**
     * {@link #pattern} for a capture read by {@link WindowsCaptures#readSnapshot}, which also reads pooltag's own
     * Linux tables (slab caches, call sites: tags of any length): the four-byte rule holds when every tag of the
     * capture has 4 characters at most, as in every Windows capture (PoolMonParser.isLinuxTag).
     */
    public static void checkPatternFor(pooltag.core.snapshot.UsageSnapshot capture, String typed) {
        if (typed != null && capture.rows().stream().allMatch(u -> u.tag().length() <= 4)) {
            pattern(typed);
        }
    }

    /** @param chars the typed value without its stars; {@code length} the characters a matching tag needs */
    private static void check(String typed, String chars, int length) {
        if (length > 4) {
            throw bad(typed, RULE + (chars.length() == typed.length() ? "" : " (this pattern needs " + length + ")"));
        }
        if (typed.isBlank()) {
            throw bad(typed, RULE + ", not all blank");
        }
        try {
            WinDbgTag.dwordOf(chars.replace('?', ' ')); // only byte characters: a tag is four bytes
        } catch (IllegalArgumentException e) {
            throw bad(typed, e.getMessage());
        }
    }

    private static PooltagException bad(String typed, String why) {
        return new PooltagException("bad tag '" + typed + "': " + why);
    }
}
