package pooltag.cli.options;

import picocli.CommandLine.Option;
import pooltag.engine.publish.AddressPolicy;

/** {@code --show-addresses}: raw kernel addresses, root only ({@link AddressPolicy#forUser}). */
public final class AddressesOption {
    @Option(names = "--show-addresses", description = "print raw kernel addresses (root only; a KASLR leak)")
    boolean show;

    /** @throws pooltag.core.error.PooltagException one line (exit 2) when someone other than root asks */
    public AddressPolicy policy() {
        return AddressPolicy.forUser(show);
    }
}
