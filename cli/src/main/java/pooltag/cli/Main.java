package pooltag.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import pooltag.core.error.PooltagException;

/**
 * The {@code pooltag} command: one class per subcommand, registered here and nowhere else (trace-cmd's one
 * table of commands). Errors the user can act on print as one line {@code pooltag: ...} with exit code 2.
 */
@Command(name = "pooltag", mixinStandardHelpOptions = true, version = "pooltag 0.1.0",
        description = "Find kernel-mode memory leaks by pool tag, the way the Windows kernel debugger does.")
public final class Main implements Runnable {
    /**
     * Every subcommand, by name, in help order. Registered here and nowhere else. A command line that names one gets
     * a tree with that one only ({@link #commandLineFor}): picocli builds each subcommand's model by reflection, and
     * building all fifteen cost a one-shot command most of its start-up (docs/PERFORMANCE.md).
     */
    static final java.util.Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static java.util.Map<String, Class<?>> subcommands() {
        java.util.Map<String, Class<?>> m = new java.util.LinkedHashMap<>();
        m.put("poolused", pooltag.cli.commands.PoolUsedCommand.class);
        m.put("mon", pooltag.cli.commands.MonCommand.class);
        m.put("diff", pooltag.cli.commands.DiffCommand.class);
        m.put("trend", pooltag.cli.commands.TrendCommand.class);
        m.put("kbpair", pooltag.cli.commands.KbPairCommand.class);
        m.put("tags", pooltag.cli.commands.TagsCommand.class);
        m.put("exporter", pooltag.cli.commands.ExporterCommand.class);
        m.put("serve", pooltag.cli.commands.ServeCommand.class);
        m.put("record", pooltag.cli.commands.RecordCommand.class);
        m.put("report", pooltag.cli.commands.ReportCommand.class);
        m.put("hit", pooltag.cli.commands.HitCommand.class);
        m.put("hunt", pooltag.cli.commands.HuntCommand.class);
        m.put("find", pooltag.cli.commands.FindCommand.class);
        m.put("kd", pooltag.cli.commands.KdCommand.class);
        return java.util.Collections.unmodifiableMap(m);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The whole command tree (help, tests). */
    public static CommandLine commandLine() {
        CommandLine cl = base();
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        for (var e : SUBCOMMANDS.entrySet()) {
            cl.addSubcommand(e.getKey(), e.getValue());
        }
        return cl;
    }

    /**
     * The tree {@code args} needs: only the named subcommand when the first argument names one (or only the top
     * command for {@code --version}), else the whole tree (help, errors that list the commands).
     */
    public static CommandLine commandLineFor(String[] args) {
        if (args.length > 0) {
            Class<?> sub = SUBCOMMANDS.get(args[0]);
            if (sub != null) {
                CommandLine cl = base();
                cl.addSubcommand(args[0], sub);
                return cl;
            }
            if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
                return base();
            }
        }
        return commandLine();
    }

    private static CommandLine base() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
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
        int rc = commandLineFor(args).execute(args);
        System.exit(rc);
    }
}
