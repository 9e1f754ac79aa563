package pooltag.cli.options;

import picocli.CommandLine.Option;

/** {@code --no-vmalloc}: leave {@code /proc/vmallocinfo}'s callers out of the usage rows. */
public final class NoVmallocOption {
    @Option(names = "--no-vmalloc", description = "leave out /proc/vmallocinfo callers")
    boolean noVmalloc;

    public boolean withVmalloc() {
        return !noVmalloc;
    }
}
