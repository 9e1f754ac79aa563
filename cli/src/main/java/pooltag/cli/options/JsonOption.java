package pooltag.cli.options;

import picocli.CommandLine.Option;

/** {@code --json}: the output as JSON (snake_case keys, the one loss object of every JSON output). */
public final class JsonOption {
    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    public boolean on() {
        return json;
    }
}
