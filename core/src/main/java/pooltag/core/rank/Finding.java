package pooltag.core.rank;

import java.util.List;

import pooltag.core.snapshot.Pool;

/**
 * One leak as the user acts on it: one cause (the call path that makes the objects, named by its system call or
 * kernel thread) with every kind of object it leaks, by cache and by call site. The same objects never make two
 * findings: a finding owns (cache, site) cells, and each outstanding allocation is in exactly one cell.
 *
 * @param cause         what makes the objects: {@code pipe2} (the system call on their stacks),
 *                      {@code kthread:worker_thread}, or, when no member has a stack, the cause tag itself
 * @param causeTag      the tag a user hits next ({@code pooltag find TAG}): the call site that is most specific to
 *                      this leak (most of its allocations are the leak's), else its cache
 * @param pid           the process (thread) that made most of its objects, or -1 when no single one did
 * @param confidence    the cause member's confidence, raised by companions that grow in lockstep with it
 * @param members       the cause first, then its companions, then consequences
 * @param why           how the confidence was reached, one line per factor
 * @param stacks        the stacks of the cause member (or of any member when the cause has none)
 * @param evidence      the cause member's evidence (growth, R², age, churn, factors)
 * @param lockstep      companions whose survivors rise in step with the cause's (they raised the confidence)
 */
public record Finding(String cause, String causeTag, int pid, double confidence, List<Member> members,
                      List<String> why, List<StackSummary> stacks, Evidence evidence, int lockstep) {

    /** What a member is to its finding. */
    public enum Role {
        /** The objects the cause makes on purpose, the finding's name. */
        CAUSE,
        /** Made by the same calls, in step with the cause (a pipe's files, its LSM blobs). */
        COMPANION,
        /**
         * Grows because the cause grows, not made for it as such: inodes and dentries made or read in with the cause
         * and pinned by it (reclaimable caches, discounted), slab pages and their metadata of a growing cache, tree
         * nodes of an index, at fewer than one per object.
         */
        CONSEQUENCE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One (cache, site) cell of the finding.
     *
     * @param growsWith for a consequence, the cause tag it grows with (and why, in {@code reason}); else null
     * @param reason    the evidence that put it in this role
     * @param ratePerS  growth of its mature survivors, allocations per second
     */
    public record Member(String cache, String site, Pool pool, Role role, String growsWith, String reason,
                         long outstanding, long bytes, double ratePerS, double confidence) {
    }
}
