package pooltag.cli.options;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import pooltag.core.error.PooltagException;
import pooltag.core.tag.TagKind;

/**
 * What {@code --tag-by} says, the one parser of every command's {@code --tag-by} (hunt, mon, exporter, and
 * {@link TagByCgroupOption} on hit, find, record, report): comma-separated words out of {@code cache}, {@code site}
 * and {@code cgroup}, in any order, spaces ignored ({@code site,cgroup} is {@code cgroup,site}). Each command takes
 * the values it can do; anything else is one line naming the option and what this command takes.
 */
public enum TagBy {
    CACHE("cache", TagKind.CACHE),
    SITE("site", TagKind.SITE),
    CACHE_SITE("cache,site", null),
    CGROUP("cgroup", TagKind.CGROUP),
    CGROUP_CACHE("cgroup,cache", TagKind.CGROUP_CACHE),
    CGROUP_SITE("cgroup,site", TagKind.CGROUP_SITE);

    /** The values that charge allocations to cgroups. */
    public static final Set<TagBy> CGROUP_KINDS = EnumSet.of(CGROUP, CGROUP_CACHE, CGROUP_SITE);

    private final String word;
    private final TagKind kind;

    TagBy(String word, TagKind kind) {
        this.word = word;
        this.kind = kind;
    }

    /** The canonical spelling, as the errors and the help print it. */
    public String word() {
        return word;
    }

    /** The one kind of tag this value ranks or shows; null for {@link #CACHE_SITE} (two kinds). */
    public TagKind kind() {
        return kind;
    }

    public boolean cgroup() {
        return CGROUP_KINDS.contains(this);
    }

    /**
     * Parses {@code text} and checks it against what the command takes.
     *
     * @param accepted in the order the error lists them
     * @throws PooltagException "--tag-by takes A, B or C, got 'X'"
     */
    public static TagBy parse(String text, Set<TagBy> accepted) {
        TagBy v = of(text);
        if (v == null || !accepted.contains(v)) {
            throw new PooltagException("--tag-by takes " + words(accepted) + ", got '" + text + "'");
        }
        return v;
    }

    /** The value {@code text} spells (words in any order, spaces ignored), or null. */
    static TagBy of(String text) {
        if (text == null) {
            return null;
        }
        Set<String> words = new TreeSet<>();
        for (String w : text.replace(" ", "").split(",", -1)) {
            if (!words.add(w)) {
                return null; // cgroup,cgroup
            }
        }
        for (TagBy v : values()) {
            if (words.equals(new TreeSet<>(List.of(v.word.split(","))))) {
                return v;
            }
        }
        return null;
    }

    private static String words(Set<TagBy> accepted) {
        List<String> w = new ArrayList<>();
        accepted.forEach(v -> w.add(v.word));
        if (w.size() == 1) {
            return w.get(0);
        }
        return String.join(", ", w.subList(0, w.size() - 1)) + " or " + w.get(w.size() - 1);
    }
}
