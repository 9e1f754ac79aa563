package pooltag.cli.commands;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import pooltag.cli.options.MaxOutstandingOption;

/**
 * The fields every command that keeps a ledger declares alike: picocli's spec (for the command line's writers) and
 * the {@code --max-outstanding} cap of that ledger. Picocli reads annotated fields of superclasses, so a subclass
 * declares only its own options.
 */
abstract class LedgerCommand {
    @Spec
    CommandSpec spec;

    @Mixin
    MaxOutstandingOption cap;
}
