package pooltag.cli.commands;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import pooltag.cli.CommandSpecs;
import pooltag.cli.options.JsonOption;

/**
 * The fields every offline command declares alike: picocli's spec (for the command line's writers) and the
 * {@code --json} mixin. Picocli reads annotated fields of superclasses, so a subclass declares only its own options.
 */
abstract class JsonCommand {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOption json;

    /**
     * For a subclass whose model is built in code ({@link CommandSpecs}): the model named {@code name} with this
     * object as its command, and these two fields set as the annotations give them ({@code --json} first).
     */
    final CommandSpec wrap(String name) {
        spec = CommandSpecs.command(this, name);
        json = new JsonOption();
        spec.addOption(json.option());
        return spec;
    }
}
