package pooltag.cli.options;

import picocli.CommandLine.Parameters;

/** TAG, in the hit-target grammar shared by hit, find, kd, serve and record --hit. */
public final class TagParameter {
    /** The grammar's help text, also for a command whose TAG is optional ({@code find --from}). */
    public static final String DESCRIPTION = "a slab cache (dentry), kernel function (alloc_pipe_info), kmalloc-N,"
            + " [module], or a wildcard (kmalloc-cg-*, site:pipe_*); cache:, site: and mod: choose the kind";

    @Parameters(index = "0", paramLabel = "TAG", description = DESCRIPTION)
    String tag;

    public String value() {
        return tag;
    }
}
