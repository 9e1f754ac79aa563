package pooltag.cli.commands;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.options.JsonOption;

/** {@code pooltag verifier FILE}: the outstanding allocations of a Driver Verifier {@code !verifier 3} capture. */
@Command(name = "verifier", mixinStandardHelpOptions = true,
        description = "Outstanding allocations of a Driver Verifier !verifier 3 capture, by tag, size and caller.",
        footer = {"", "Example: pooltag verifier verifier-3.txt Vprt --json"})
public final class VerifierCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "a saved !verifier 3 (or 0xf) output")
    Path file;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TAG", description = "only this tag (* and ? work)")
    String tag;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        return CaptureFind.verifier(spec.commandLine().getOut(), file, tag, json.on());
    }
}
