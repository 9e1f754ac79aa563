package pooltag.cli.commands;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine;
import pooltag.cli.Main;

/** Runs {@code pooltag} in-process as the user would, capturing stdout, stderr and the exit code. */
public record CliRun(int exit, String out, String err) {
    public static CliRun of(String... args) {
        return of(cl -> { }, args);
    }

    /** As {@link #of(String...)}, after {@code setup} set a command's test seams (e.g. a fake cgroup source). */
    public static CliRun of(java.util.function.Consumer<CommandLine> setup, String... args) {
        return run(setup, new StringWriter(), args);
    }

    /**
     * As {@link #of(String...)}, stdout also written as it comes into {@code liveOut} (a StringWriter is
     * synchronized), for a test that acts on a line before the command ends.
     */
    public static CliRun of(StringWriter liveOut, String... args) {
        return run(cl -> { }, liveOut, args);
    }

    private static CliRun run(java.util.function.Consumer<CommandLine> setup, StringWriter out, String... args) {
        CommandLine cl = Main.commandLine();
        setup.accept(cl);
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    public List<String> outLines() {
        return out.lines().toList();
    }

    static String fixture(String name) {
        try {
            return Path.of(CliRun.class.getResource("/windows/" + name).toURI()).toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource windows/" + name, e);
        }
    }
}
