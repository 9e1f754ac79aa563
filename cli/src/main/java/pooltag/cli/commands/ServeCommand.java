package pooltag.cli.commands;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.options.Durations;
import pooltag.cli.options.ListenOption;
import pooltag.cli.options.NoVmallocOption;
import pooltag.engine.publish.FileCaptureService;
import pooltag.cli.options.BufferOptions;
import pooltag.engine.hit.LiveHitService;
import pooltag.engine.hunt.LiveHuntService;
import pooltag.engine.run.TraceSlot;
import pooltag.cli.web.WebServer;
import pooltag.engine.publish.WebServices;
import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.ProcfsSource;

/** The web page: a chart of the top tags over time, the !poolused table, and the hit, hunt and open views. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "A web page for pooltag: the top tags' bytes over time, and the hit, hunt and open views.", sortOptions = false,
        description = {"A web page for pooltag: a chart of the top tags' bytes over time (the",
                "server samples procfs every --interval and keeps --history samples),",
                "the !poolused table with WinDbg's sorts (flags 0, 2, 4), and views for",
                "hit (PoolHitTag breaks with stacks, streamed while a tag is armed; arming",
                "starts a private tracing session), opening a Windows capture or a pooltag",
                "recording, and hunt (pooltag hunt for --hunt-duration when started from",
                "the view: suspects and a flame graph of their outstanding stacks).",
                "Scripts and styles are served from the jar.",
                "Needs root (/proc/slabinfo is root-only)."},
        footer = {"", "Security: binds to loopback unless --listen says otherwise. Every",
                "request needs the token printed at start, on loopback too (other local",
                "users can reach loopback): open the printed address once; a cookie",
                "keeps it. Requests that change state (arming a hit, starting a hunt)",
                "are POSTs that carry the token in a header; no GET changes anything.",
                "Requests must arrive within 10 s; kernel addresses are never served.",
                "", "Example: pooltag serve --listen 127.0.0.1:8080"})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ListenOption listen = new ListenOption("127.0.0.1:8080");

    @Option(names = "--interval", paramLabel = "S", description = "seconds between chart samples (default: ${DEFAULT-VALUE})")
    double intervalSeconds = 5;

    @Option(names = "--history", paramLabel = "N", description = "samples kept for the chart (default: ${DEFAULT-VALUE},"
            + " one hour at 5 s)")
    int history = 720;

    @Mixin
    NoVmallocOption vmalloc;

    @Option(names = "--hunt-duration", paramLabel = "D", description = "how long the hunt view hunts: 30s, 2m"
            + " (default: ${DEFAULT-VALUE})")
    String huntDuration = "30s";

    @Mixin
    BufferOptions buffer = new BufferOptions();

    /**
     * This build's services: hit and hunt on the live kernel (sharing the process's one tracing session, taken while
     * a tag is armed or a hunt runs) and opening Windows captures and recordings.
     */
    static WebServices services(LiveHitService hit, LiveHuntService hunt) {
        return new WebServices(Optional.of(hit), Optional.of(hunt), Optional.of(new FileCaptureService()));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!(intervalSeconds >= 0.1 && intervalSeconds <= 86_400)) { // NaN fails both
            throw new PooltagException("--interval must be 0.1 to 86400 seconds (was " + intervalSeconds + ")");
        }
        if (history < 2 || history > 1_000_000) {
            throw new PooltagException("--history must be 2 to 1000000 samples (was " + history + ")");
        }
        // The hit and hunt views' trace settings, checked before anything is opened (a bad value is one line).
        TraceConfig traceConfig = buffer.apply(TraceConfig.kmem());
        InetSocketAddress addr = listen.address();
        listen.refuseUnbindable(addr);
        ProcfsSource source = new ProcfsSource(java.nio.file.Path.of("/"), vmalloc.withVmalloc());
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch stop = new CountDownLatch(1);
        WebServer.Options options = new WebServer.Options(Math.round(intervalSeconds * 1000), history);
        // Closed after the server (try order): an armed hit's tracefs instance goes on every way out; on SIGINT/SIGTERM
        // the session's own shutdown hook stops it first.
        TraceSlot slot = new TraceSlot();
        try (LiveHuntService hunt = new LiveHuntService(slot, Durations.parse("--hunt-duration", huntDuration),
                traceConfig);
             LiveHitService hit = new LiveHitService(slot, traceConfig);
             WebServer web = WebServer.start(addr, source::take, services(hit, hunt), options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "pooltag-serve-stop"));
            String base = "http://" + (addr.getAddress().isAnyLocalAddress()
                    ? java.net.InetAddress.getLocalHost().getHostName() + ":" + web.port()
                    : ListenOption.authority(addr, web.port())) + "/";
            // The token goes to the starter's terminal only: never in a response to a request without it, never in
            // argv (ps shows argv to every user).
            err.println("pooltag serve: open " + base + "?token=" + web.token());
            err.println("pooltag serve: the token is needed for every request; keep it private");
            String beyond = ListenOption.beyondLoopbackWarning("pooltag serve", addr, "can try the token, and the"
                    + " page and token travel in plain HTTP (no TLS): use an SSH tunnel to 127.0.0.1 instead");
            if (beyond != null) {
                err.println(beyond);
            }
            err.println("pooltag serve: the hit view traces kmem events with a " + traceConfig.describeBuffer()
                    + "; the hunt view with a " + traceConfig.withBulkSubbuf().describeBuffer());
            err.flush();
            stop.await();
        } catch (java.net.SocketException e) {
            // Only the bind throws this before the server runs; later socket errors are per exchange, never here.
            throw listen.bindFailure(e, "already in use? choose another --listen port");
        }
        return 0;
    }
}
