package pooltag.windows.parse;

import pooltag.core.tag.TagPattern;

/**
 * One line of pooltag.txt: {@code <Tag> - <binary> - <description>}.
 *
 * @param tag         the tag as written, trailing spaces removed; may hold {@code *} or {@code ?} ({@code Acp*})
 * @param binary      the owner ({@code i8042prt.sys}, {@code nt!cm}, {@code <unknown>}, {@code <multiple>}), or ""
 *                    when the line has two fields only
 * @param description the description, continuation lines joined with one space
 * @param line        the line it starts on (1-based)
 */
public record PoolTagEntry(String tag, String binary, String description, int line) {
    /** Whether {@code tag} has a wildcard. */
    public boolean isWildcard() {
        return tag.indexOf('*') >= 0 || tag.indexOf('?') >= 0;
    }

    /**
     * Whether this entry names the pool tag {@code poolTag}. Both sides are compared padded with spaces to four
     * characters, as the kernel stores them: {@code Afd?} names {@code Afd } and {@code AfdB}.
     */
    public boolean matches(String poolTag) {
        String t = pad(poolTag);
        if (!isWildcard()) {
            return pad(tag).equals(t);
        }
        String pattern = tag.indexOf('*') >= 0 ? tag : pad(tag);
        return TagPattern.of(pattern).matches(t);
    }

    /** Characters that are not wildcards: more means a narrower entry. */
    int literalLength() {
        int n = 0;
        for (int i = 0; i < tag.length(); i++) {
            if (tag.charAt(i) != '*' && tag.charAt(i) != '?') {
                n++;
            }
        }
        return n;
    }

    static String pad(String t) {
        return t.length() >= 4 ? t : (t + "    ").substring(0, 4);
    }
}
