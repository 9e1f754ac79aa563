package pooltag.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import pooltag.core.error.PooltagException;

/**
 * The {@code pooltag} command: one class per subcommand, registered here and nowhere else (trace-cmd's one
 * table of commands). Errors the user can act on print as one line {@code pooltag: ...} with exit code 2. The top
 * command's model is built in code ({@link #topSpec}), as are the one-shot subcommands' ({@link CommandSpecs}).
 */
public final class Main implements Runnable {
    static {
        // picocli's DefaultFactory looks for Groovy's Closure class when it is first used, unless told not to. The
        // class is not there, so the lookup opened the 14 MB jar and read its central directory on every start
        // (the AOT cache serves every other class without opening the jar): 10 ms of a one-shot command's start-up
        // (docs/PERFORMANCE.md, start-up round 6). pooltag has no Groovy annotations.
        System.setProperty("picocli.disable.closures", "true");
        // Every CommandLine registers converters for java.time and java.sql types by looking each class up
        // (Class.forName, which initializes it) and its factory method by reflection: 8 ms of poolused's start-up,
        // interpreted, twice (the top command and the subcommand). No pooltag option or parameter has such a type
        // (durations and times are strings pooltag reads itself), so none is registered; picocli tests each name
        // against this one pattern (docs/PERFORMANCE.md, start-up round 6).
        System.setProperty("picocli.converters.excludes", "java\\.(time|sql)\\..*");
    }

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
        m.put("verifier", pooltag.cli.commands.VerifierCommand.class);
        m.put("kd", pooltag.cli.commands.KdCommand.class);
        return java.util.Collections.unmodifiableMap(m);
    }

    CommandLine.Model.CommandSpec spec;

    /** The top command's picocli model, with a new {@code Main} as its command: the only definition of it. */
    static CommandLine.Model.CommandSpec topSpec() {
        Main main = new Main();
        main.spec = CommandSpecs.command(main, "pooltag").version("pooltag 0.1.0");
        main.spec.usageMessage()
                .description("Find kernel-mode memory leaks by pool tag, the way the Windows kernel debugger does.");
        CommandSpecs.standardHelpOptions(main.spec);
        return main.spec;
    }

    /**
     * What picocli's {@code addSubcommand} takes for {@code type}: the model built in code for a command that builds
     * its own ({@link CommandSpecs.Built}), else the class, whose annotations picocli reads.
     */
    static Object subcommand(Class<?> type) {
        // The commands that build their own model are made directly: a reflective constructor call made a method
        // handle accessor at run time, 2 ms of a one-shot command's start (docs/PERFORMANCE.md, start-up round 6).
        if (type == pooltag.cli.commands.PoolUsedCommand.class) {
            return new pooltag.cli.commands.PoolUsedCommand().commandSpec();
        }
        if (type == pooltag.cli.commands.TagsCommand.class) {
            return new pooltag.cli.commands.TagsCommand().commandSpec();
        }
        if (type == pooltag.cli.commands.DiffCommand.class) {
            return new pooltag.cli.commands.DiffCommand().commandSpec();
        }
        if (CommandSpecs.Built.class.isAssignableFrom(type)) {
            // a new command that builds its own model is made above; every test that builds the whole tree gets here
            throw new IllegalStateException(type.getName() + " builds its own model: make it in Main.subcommand");
        }
        return type;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Exit status for a failure that is pooltag's fault, not the input's (sysexits' EX_SOFTWARE). */
    static final int EXIT_INTERNAL = 70;

    /** The whole command tree (help, tests). */
    public static CommandLine commandLine() {
        return commandLine(false);
    }

    /** The whole command tree with pooltag's error rules ({@link #base}). */
    public static CommandLine commandLine(boolean debug) {
        CommandLine cl = base(debug);
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        for (var e : SUBCOMMANDS.entrySet()) {
            cl.addSubcommand(e.getKey(), subcommand(e.getValue()));
        }
        return HelpText.reflow(cl);
    }

    public static CommandLine commandLineFor(String[] args) {
        return commandLineFor(args, false);
    }

    /**
     * The tree {@code args} needs: only the named subcommand when the first argument names one (or only the top
     * command for {@code --version}), else the whole tree (help, errors that list the commands).
     */
    public static CommandLine commandLineFor(String[] args, boolean debug) {
        if (args.length > 0) {
            Class<?> sub = SUBCOMMANDS.get(args[0]);
            if (sub != null) {
                CommandLine cl = base(debug);
                cl.addSubcommand(args[0], subcommand(sub));
                return HelpText.reflow(cl);
            }
            if (args.length == 1 && (args[0].equals(CommandSpecs.VERSION) || args[0].equals(CommandSpecs.VERSION_SHORT))) {
                return base(debug);
            }
        }
        return commandLine(debug);
    }

    /**
     * The top command with pooltag's error rules: whatever the input, the user sees one line {@code pooltag: ...}
     * naming the option, argument or file, with exit status 2 (a {@link PooltagException}, a bad option value, a
     * number out of range); an unexpected failure of pooltag itself is one line too, with status 70. {@code debug}
     * adds the Java stack trace after the line.
     */
    private static CommandLine base(boolean debug) {
        CommandLine cl = new CommandLine(topSpec());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println("pooltag: " + oneLine(ex.getMessage()) + " (see " + cmd.getCommandSpec().qualifiedName(" ")
                    + " --help)");
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            int rc = report(ex, cmd.getCommandSpec().qualifiedName(" "), err);
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return rc;
        });
        return cl;
    }

    /** Prints the one line for a failure of {@code command} and returns its exit status. */
    static int report(Throwable ex, String command, PrintWriter err) {
        Throwable t = ex;
        while (t != null && !(t instanceof PooltagException)) {
            t = t.getCause();
        }
        if (t instanceof PooltagException pe) {
            err.println("pooltag: " + oneLine(pe.getMessage()));
            return pe.exitCode();
        }
        if (ex instanceof OutOfMemoryError oom) {
            Fatal.outOfMemory(oom);
            return Fatal.EXIT_OUT_OF_MEMORY;
        }
        if (ex instanceof NumberFormatException || ex instanceof ArithmeticException
                || ex instanceof java.time.DateTimeException || ex instanceof IllegalArgumentException) {
            // A value the command took apart itself and could not use: the input's fault.
            err.println("pooltag: " + command + ": cannot use the value given (" + oneLine(ex.getMessage())
                    + "); see " + command + " --help");
            return 2;
        }
        err.println("pooltag: " + command + " failed: " + oneLine(String.valueOf(ex))
                + " (a pooltag bug; run again with --debug for the Java stack trace and report it)");
        return EXIT_INTERNAL;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /**
     * {@code --debug} anywhere on the command line (taken out before parsing) shows Java stack traces after the
     * one-line errors.
     */
    public static void main(String[] args) {
        Fatal.install();
        exit(run(args));
    }

    /**
     * Ends the JVM with {@code status}. A success with no other live non-daemon thread (every one-shot command)
     * returns from {@code main} instead of calling {@link System#exit}: the JVM then ends the same way (shutdown
     * hooks run, status 0), without {@code Runtime.exit}'s log record, whose logger lookup scans the class path for
     * logging providers and so opened the 14 MB jar and read its central directory, 10 ms of a one-shot command's
     * start-up (docs/PERFORMANCE.md, start-up round 6). Anything else exits as before.
     */
    static void exit(int status) {
        System.out.flush();
        System.err.flush();
        if (status == 0 && onlyDaemonsBesideThisThread()) {
            return;
        }
        System.exit(status);
    }

    /** True when every other live thread of this thread's group (the application's) is a daemon. */
    private static boolean onlyDaemonsBesideThisThread() {
        Thread self = Thread.currentThread();
        Thread[] live = new Thread[Thread.activeCount() + 16];
        int n = Thread.enumerate(live);
        if (n == live.length) {
            return false; // more than it could list: not known
        }
        for (int i = 0; i < n; i++) {
            if (live[i] != self && !live[i].isDaemon()) {
                return false;
            }
        }
        return true;
    }

    /** Runs the command line {@code args} (without exiting): what {@link #main} and the AOT training run do. */
    static int run(String[] args) {
        java.util.List<String> rest = new java.util.ArrayList<>(java.util.List.of(args));
        boolean debug = rest.remove("--debug");
        String[] a = rest.toArray(String[]::new);
        if (a.length > 0 && a[0].equals("poolused")) {
            pooltag.cli.commands.PoolUsedCommand.readAhead(a);
        }
        return commandLineFor(a, debug).execute(a);
    }
}
