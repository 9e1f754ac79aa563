package pooltag.core.ledger;

import java.util.Set;

/**
 * What the source's platform knows about its tags that the events cannot show, handed to the ledger as data: the
 * core decides nothing about any kernel. Linux's lists, with the reasons for each entry, live with the kernel
 * knowledge in the {@code linux} module ({@code pooltag.linux.kmem.KmemTagPolicy}).
 *
 * @param untraceableCaches       caches whose objects are freed through paths that emit no free event
 *                                ({@code kfree_rcu}, bulk frees): the ledger flags their tags
 *                                ({@link Ledger#isUntraceable}), so the ranking discounts their outstanding objects
 * @param reclaimableConstructors functions that construct reclaimable objects (inodes, dentries): what they allocate
 *                                on the way lives and dies with the object, so the ranking discounts a tag whose
 *                                stacks mostly pass through one of them as it discounts Paged caches
 * @param objectConstructors      those of the constructors that allocate the object itself through a per-type
 *                                operation ({@code alloc_inode} calls the filesystem's {@code alloc_inode}): a call
 *                                site directly under one of them makes the object, not something that lives with it,
 *                                so its own cache decides whether it is reclaimable (an mqueue or shmem inode is not)
 */
public record TagPolicy(Set<String> untraceableCaches, Set<String> reclaimableConstructors,
                        Set<String> objectConstructors) {
    /** Knows nothing: no tag is flagged, no constructor is named (Windows sources, tests). */
    public static final TagPolicy NONE = new TagPolicy(Set.of(), Set.of());

    public TagPolicy {
        untraceableCaches = Set.copyOf(untraceableCaches);
        reclaimableConstructors = Set.copyOf(reclaimableConstructors);
        objectConstructors = Set.copyOf(objectConstructors);
    }

    /** No constructor allocates its object through an operation. */
    public TagPolicy(Set<String> untraceableCaches, Set<String> reclaimableConstructors) {
        this(untraceableCaches, reclaimableConstructors, Set.of());
    }
}
