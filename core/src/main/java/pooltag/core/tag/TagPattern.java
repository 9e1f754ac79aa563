package pooltag.core.tag;

import java.util.regex.Pattern;

/**
 * A TagString as {@code !poolused} and PoolMon take it: case-sensitive, {@code *} matches any run of
 * characters (including none), {@code ?} matches exactly one. Every other character stands for itself.
 * Compiled once; {@link #matches} does no allocation beyond the regex matcher.
 */
public final class TagPattern {
    private final String text;
    private final Pattern regex;
    private final boolean literal;

    private TagPattern(String text) {
        this.text = text;
        this.literal = text.indexOf('*') < 0 && text.indexOf('?') < 0;
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        this.regex = Pattern.compile(sb.toString(), Pattern.DOTALL);
    }

    public static TagPattern of(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty tag pattern");
        }
        return new TagPattern(text);
    }

    /** A pattern that matches every tag ({@code *}). */
    public static TagPattern any() {
        return new TagPattern("*");
    }

    public boolean isLiteral() {
        return literal;
    }

    public boolean matches(CharSequence tag) {
        if (literal) {
            return text.contentEquals(tag);
        }
        return regex.matcher(tag).matches();
    }

    @Override
    public String toString() {
        return text;
    }
}
