package pooltag.cli.commands;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pooltag verifier FILE}: the outstanding allocations of a Driver Verifier {@code !verifier 3} capture. */
@Command(name = "verifier", mixinStandardHelpOptions = true,
        description = "Outstanding allocations of a Driver Verifier !verifier 3 capture, by tag, size and caller.",
        footer = {"", "Example: pooltag verifier verifier-3.txt Vprt --json"})
public final class VerifierCommand extends JsonCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a saved !verifier 3 (or 0xf) output")
    Path file;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TAG", description = "only this tag (* and ? work)")
    String tag;

    @Override
    public Integer call() {
        return CaptureFind.verifier(spec.commandLine().getOut(), file, tag, json.on());
    }
}
