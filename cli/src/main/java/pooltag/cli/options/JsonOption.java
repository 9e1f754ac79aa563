package pooltag.cli.options;

import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import pooltag.cli.CommandSpecs;

/** {@code --json}: the output as JSON (snake_case keys, the one loss object of every JSON output). */
public final class JsonOption {
    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    public boolean on() {
        return json;
    }

    /**
     * This option for a command whose model is built in code ({@link pooltag.cli.CommandSpecs}), bound to this
     * object; {@code CommandModelTest} checks it equals the annotated field's.
     */
    public OptionSpec option() {
        return CommandSpecs.flag(() -> json, v -> json = v, "<json>", "print JSON instead of text", "--json").build();
    }
}
