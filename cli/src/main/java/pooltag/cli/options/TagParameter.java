package pooltag.cli.options;

import picocli.CommandLine.Parameters;

/** TAG, in the hit-target grammar shared by hit, find, kd, serve and record --hit. */
public final class TagParameter {
    @Parameters(index = "0", paramLabel = "TAG",
            description = "a slab cache (dentry), kernel function (alloc_pipe_info), kmalloc-N, [module], or a wildcard"
                    + " (kmalloc-cg-*, site:pipe_*); cache:, site: and mod: choose the kind")
    String tag;

    public String value() {
        return tag;
    }
}
