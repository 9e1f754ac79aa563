package pooltag.cli.options;

import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import pooltag.cli.CommandSpecs;

/** {@code --no-vmalloc}: leave {@code /proc/vmallocinfo}'s callers out of the usage rows. */
public final class NoVmallocOption {
    public static final String NAME = "--no-vmalloc";

    @Option(names = NAME, description = "leave out /proc/vmallocinfo callers")
    boolean noVmalloc;

    public boolean withVmalloc() {
        return !noVmalloc;
    }

    /**
     * This option for a command whose model is built in code ({@link pooltag.cli.CommandSpecs}), bound to this
     * object; {@code CommandModelTest} checks it equals the annotated field's.
     */
    public OptionSpec option() {
        return CommandSpecs.flag(() -> noVmalloc, v -> noVmalloc = v, "<noVmalloc>",
                "leave out /proc/vmallocinfo callers", NAME).build();
    }
}
