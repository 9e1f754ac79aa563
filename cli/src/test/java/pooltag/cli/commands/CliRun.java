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
        CommandLine cl = Main.commandLine();
        setup.accept(cl);
        StringWriter out = new StringWriter();
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
