package pooltag.cli.options;

import picocli.CommandLine.Option;
import pooltag.core.tag.TagKind;

/**
 * {@code --tag-by cgroup} (or {@code cgroup,cache}, {@code cgroup,site}) on {@code hit}, {@code find},
 * {@code record} and {@code report}: charge every allocation to the memory cgroup of the task that made it
 * (interrupts, soft interrupts and kernel threads are rows of their own, never guessed). {@code hunt},
 * {@code mon} and the exporter take the same words in their own {@code --tag-by}, beside their other keys, all parsed
 * by {@link TagBy}.
 */
public final class TagByCgroupOption {
    @Option(names = "--tag-by", paramLabel = "KINDS", description = "cgroup: also charge every allocation to the"
            + " cgroup of the task that made it (memory hierarchy path; [hardirq], [softirq], [kernel thread] of"
            + " their own); cgroup,cache or cgroup,site: by (cgroup, tag) pairs, printed tag@cgroup")
    String tagBy;

    public boolean on() {
        return kind() != null;
    }

    /** {@link TagKind#CGROUP}, {@link TagKind#CGROUP_CACHE} or {@link TagKind#CGROUP_SITE}; null when not given. */
    public TagKind kind() {
        if (tagBy == null) {
            return null;
        }
        return TagBy.parse(tagBy, TagBy.CGROUP_KINDS).kind();
    }
}
