package pooltag.cli.commands;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.BufferOptions;
import pooltag.cli.options.NoVmallocOption;
import pooltag.cli.kd.KdConsole;
import pooltag.cli.kd.KdRepl;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.kd.KdTargets;
import pooltag.core.error.PooltagException;
import pooltag.engine.publish.AddressPolicy;
import pooltag.linux.kmem.TraceConfig;

/** {@code pooltag kd}: the kernel debugger console of the WinDbg page, on the live kernel or a recording. */
@Command(name = "kd", sortOptions = false, mixinStandardHelpOptions = true,
        header = "A kd> console that runs the WinDbg page's commands (!poolused, ed nt!poolhittag, g, kb, !poolfind) on Linux.",
        description = {"A kd> console that takes the WinDbg page's commands:",
                ".reload, !poolused 4, ed nt!poolhittag ' cbA', db/dd/dc nt!poolhittag L4, g, kb, !poolfind Abc,",
                "!pool Address. ? lists them.",
                "Interactive on a terminal; with -c, or with commands on standard input, it runs them and exits."},
        footer = {"", "Exit code in scripted mode: 0 when the script ran to q or its end (a command's error is printed and the"
                        + " script goes on, as in cdb); non-zero only when the console could not run.",
                "Addresses print masked (@ and a keyed hash) unless --show-addresses is given as root:"
                        + " kernel addresses in logs give away the KASLR base.",
                "On the live kernel (root), kd traces kmem events in a private tracefs instance from its start to q,"
                        + " so !poolfind lists what was allocated since; ed nt!poolhittag adds a kernel stack trigger"
                        + " for that tag only, and ed nt!poolhittag 0, q, Ctrl-D and SIGTERM remove it. While you"
                        + " read, the kernel runs on: g returns hits queued since the last one.",
                "With --recording FILE, g replays the recording to the next hit and stops there; !poolfind lists what"
                        + " was outstanding at that point, .reload and !poolused use the recording's kallsyms and"
                        + " slabinfo.",
                "Without root, tracing cannot start: the tracing commands say why, and .reload and !poolused work.",
                "", "Example: pooltag kd -c \"ed nt!poolhittag \\\"dentry\\\"; g; kb; !poolfind dentry\""})
public final class KdCommand extends LedgerCommand implements Callable<Integer> {
    @Option(names = "-c", paramLabel = "COMMANDS", description = "run these commands (separated by ;) and exit")
    String commands;

    @Option(names = "--recording", paramLabel = "FILE", description = "debug a recording: g moves to its next hit")
    Path recording;

    @Mixin
    AddressesOption addressOption;

    @Mixin
    NoVmallocOption vmalloc;

    @Mixin
    BufferOptions buffer = new BufferOptions();

    /** Test seam: a target to use instead of opening one. */
    KdTarget target;
    /** Test seam: where scripted commands come from when -c is absent. */
    InputStream stdin = System.in;
    /** Test seam: whether standard input is a terminal. */
    BooleanSupplier stdinIsTerminal = KdCommand::stdinIsTty;
    /** Test seam: how Ctrl-C reaches g in scripted mode (SIGINT by default). */
    KdConsole.BreakIn scriptBreakIn = KdRepl.signalBreakIn();

    @Override
    public Integer call() throws IOException {
        // Refused (one line, exit 2) before any tracing starts.
        AddressPolicy addresses = addressOption.policy();
        KdTarget t = target != null ? target : openTarget();
        // SIGTERM, or SIGINT outside g: the JVM exits, and the kernel must not keep this session's triggers.
        Thread hook = new Thread(t::close, "pooltag-kd-close");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run(t, addresses);
        } finally {
            t.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook runs (or ran) anyway; close is idempotent.
            }
        }
    }

    /** The one place that chooses the target: a recording, or the live kernel ({@link KdTargets}). */
    KdTarget openTarget() {
        buffer.refuseUnless(recording == null, "--recording replays a file");
        return recording != null ? KdTargets.recording(recording, cap.ledgerOptions())
                : KdTargets.live(vmalloc.withVmalloc(), cap.ledgerOptions(), buffer.apply(TraceConfig.kmem()));
    }

    /** Runs the session; the caller closes the target (q, Ctrl-D, end of script and errors alike). */
    private int run(KdTarget t, AddressPolicy show) throws IOException {
        if (commands != null || !stdinIsTerminal.getAsBoolean()) {
            // What is debugged, and the trace buffer it was given, on standard error: the script's output stays the
            // commands' alone, as cdb's -c output is.
            PrintWriter err = spec.commandLine().getErr();
            err.println("pooltag kd: " + t.describe());
            health(t).ifPresent(line -> err.println("pooltag kd: " + line));
            err.flush();
            PrintWriter out = spec.commandLine().getOut();
            KdConsole console = new KdConsole(t, out, show, scriptBreakIn);
            if (commands != null) {
                return KdRepl.script(console, List.of(commands).iterator(), out);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
            return KdRepl.script(console, in.lines().iterator(), out);
        }
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            KdConsole console = new KdConsole(t, terminal.writer(), show, KdRepl.terminalBreakIn(terminal));
            terminal.writer().println("pooltag kd: " + t.describe() + "; ? lists the commands, q quits");
            health(t).ifPresent(line -> terminal.writer().println("pooltag kd: " + line));
            return KdRepl.interactive(console, KdRepl.reader(terminal, historyFile()));
        }
    }

    /**
     * A recording's health in the words of {@code report}, {@code hunt --from} and {@code find --from}
     * ({@link RecordingHealth#line}): a file cut short says so before any command runs. Empty for a kernel.
     */
    private java.util.Optional<String> health(KdTarget t) {
        return t.recordingHealth().map(rp -> RecordingHealth.line(recording, rp));
    }

    /** History across sessions in the user's home, like other consoles; none when there is no home. */
    private static Path historyFile() {
        String home = System.getProperty("user.home");
        return home == null || home.isEmpty() ? null : Path.of(home, ".pooltag_kd_history");
    }

    /**
     * Standard input is a terminal when fd 0 is a tty device. (On JDK 22+ {@code System.console()} is not null for
     * redirected input, so it cannot tell; this tool runs on Linux, where /proc says.)
     */
    static boolean stdinIsTty() {
        try {
            String dev = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return dev.startsWith("/dev/pts/") || dev.startsWith("/dev/tty") || dev.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
