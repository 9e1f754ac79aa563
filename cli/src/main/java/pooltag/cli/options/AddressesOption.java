package pooltag.cli.options;

import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import pooltag.cli.CommandSpecs;
import pooltag.engine.publish.AddressPolicy;

/** {@code --show-addresses}: raw kernel addresses, root only ({@link AddressPolicy#forUser}). */
public final class AddressesOption {
    public static final String NAME = "--show-addresses";

    private static final String DESCRIPTION = "print raw kernel addresses (root only; a KASLR leak)";

    @Option(names = NAME, description = DESCRIPTION)
    boolean show;

    /** @throws pooltag.core.error.PooltagException one line (exit 2) when someone other than root asks */
    public AddressPolicy policy() {
        return AddressPolicy.forUser(show);
    }

    /**
     * This option for a command whose model is built in code ({@link pooltag.cli.CommandSpecs}), bound to this
     * object; {@code CommandModelTest} checks it equals the annotated field's.
     */
    public OptionSpec option() {
        return CommandSpecs.flag(() -> show, v -> show = v, "<show>", DESCRIPTION, NAME).build();
    }
}
