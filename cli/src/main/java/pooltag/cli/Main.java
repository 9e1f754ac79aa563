package pooltag.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import pooltag.core.error.PooltagException;

/**
 * The {@code pooltag} command: one class per subcommand, registered here and nowhere else (trace-cmd's one
 * table of commands). Errors the user can act on, and bad options or values, print as one line
 * {@code pooltag: ...} with exit code 2.
 */
@Command(name = "pooltag", mixinStandardHelpOptions = true, version = "pooltag 0.1.0",
        description = "Find kernel-mode memory leaks by pool tag, the way the Windows kernel debugger does.",
        subcommands = {
                CommandLine.HelpCommand.class,
                pooltag.cli.commands.PoolUsedCommand.class,
                pooltag.cli.commands.MonCommand.class,
                pooltag.cli.commands.DiffCommand.class,
                pooltag.cli.commands.TrendCommand.class,
                pooltag.cli.commands.KbPairCommand.class,
                pooltag.cli.commands.TagsCommand.class,
                pooltag.cli.commands.ExporterCommand.class,
                pooltag.cli.commands.ServeCommand.class,
                pooltag.cli.commands.RecordCommand.class,
                pooltag.cli.commands.ReportCommand.class,
                pooltag.cli.commands.HitCommand.class,
                pooltag.cli.commands.HuntCommand.class,
                pooltag.cli.commands.FindCommand.class,
                pooltag.cli.commands.KdCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // A bad option or value is one line naming it, and where to look, with exit 2 (never a page of usage).
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println("pooltag: " + ex.getMessage() + " ('" + cmd.getCommandSpec().qualifiedName()
                    + " --help' lists the options)");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            while (t != null && !(t instanceof PooltagException)) {
                t = t.getCause();
            }
            PrintWriter err = cmd.getErr();
            if (t instanceof PooltagException pe) {
                err.println("pooltag: " + pe.getMessage());
                err.flush();
                return pe.exitCode();
            }
            throw ex;
        });
        return cl;
    }

    public static void main(String[] args) {
        int rc = commandLine().execute(args);
        System.exit(rc);
    }
}
