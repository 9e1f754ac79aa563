package pooltag.linux.kmem;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Stopping is finishing: while a scope is open, the first SIGINT or SIGTERM asks the run to stop (its tracing ends,
 * the command ranks what it saw and prints its whole report, then exits normally); a second one aborts at once
 * (exit 130, the sessions' shutdown hooks still tear their instances down) and says so. Without this the JVM would
 * start its shutdown on the first signal and could exit while the report is being printed.
 *
 * <p>A run whose stop is finishing a file ({@code record}: drain, compress the spool, write END) registers a
 * {@link Finishing}: as trace-cmd record, a second signal is then only acknowledged with what is left to do (the file
 * is still finished and the summary follows), and a third abandons the file, cut after its last whole block, and says
 * what it holds. Reason: a second signal used to say "aborted, no report" while the sessions' shutdown hook let the
 * recording finish anyway (or, past its grace, tore the session down under a file half-way through its trailer).
 *
 * <p>A signal that arrives before the run exists is remembered: {@link #onStop} then runs its action at once.
 */
public final class StopSignals implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};

    private final PrintStream err;
    private final AtomicInteger received = new AtomicInteger();
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private Runnable action;
    private Finishing finishing;

    /** What a run that finishes a file after its stop says and does on the later signals ({@link #finishing}). */
    public interface Finishing {
        /** What is still to do, e.g. "finishing FILE: 120 MB of spool left to compress into it". Signal thread. */
        String progress();

        /**
         * Ends the file where it stands (its whole blocks so far) so nothing more is written, and says exactly what
         * it holds. Signal thread; the process exits 130 right after.
         */
        String abandon();
    }

    private StopSignals(PrintStream err) {
        this.err = err;
    }

    /** Installs the handlers; {@link #close()} restores the previous ones. */
    public static StopSignals install(PrintStream err) {
        StopSignals s = new StopSignals(err);
        for (int i = 0; i < SIGNALS.length; i++) {
            try {
                s.previous[i] = Signal.handle(new Signal(SIGNALS[i]), s::onSignal);
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal for itself (-Xrs): it keeps its default meaning
            }
            if (s.previous[i] == SignalHandler.SIG_IGN) {
                // Inherited as ignored (nohup, or a background job of a shell without job control): the JVM keeps
                // it ignored and our handler never runs. Said once, so that a signal with no effect is not a mystery.
                err.println("pooltag: SIG" + SIGNALS[i] + " is ignored by this process (inherited from its parent,"
                        + " as a script's background jobs have SIGINT); it will not stop the run, "
                        + (i == 0 ? "SIGTERM will" : "SIGINT will"));
                err.flush();
            }
        }
        return s;
    }

    /** What the first signal does: typically the run's {@code requestStop}. Runs now if a signal already came. */
    public void onStop(Runnable stop) {
        boolean now;
        synchronized (this) {
            action = stop;
            now = received.get() > 0;
        }
        if (now) {
            stop.run();
        }
    }

    /** The run finishes a file after its stop: later signals are acknowledged, the third abandons it. */
    public synchronized void finishing(Finishing f) {
        finishing = f;
    }

    /** True once a signal asked to stop. */
    public boolean stopRequested() {
        return received.get() > 0;
    }

    private void onSignal(Signal sig) {
        int n = received.incrementAndGet();
        Runnable a;
        Finishing f;
        synchronized (this) {
            a = action;
            f = finishing;
        }
        if (n == 1) {
            err.println("pooltag: SIG" + sig.getName() + ": stopping; " + (f == null
                    ? "the report follows (send it again to abort)"
                    : f.progress() + ", then the summary follows (send it again to see what is left, a third time to"
                    + " abandon the file)"));
            err.flush();
            if (a != null) {
                a.run();
            }
        } else if (f == null && n == 2) {
            err.println("pooltag: second SIG" + sig.getName() + ": aborted, no report");
            err.flush();
            exit();
        } else if (f != null && n == 2) {
            err.println("pooltag: second SIG" + sig.getName() + ": already stopping; " + f.progress()
                    + ", then the summary follows (send it again to abandon the file)");
            err.flush();
        } else if (f != null && n == 3) {
            String held;
            try {
                held = f.abandon();
            } catch (RuntimeException e) {
                held = "abandoning the file failed: " + e.getMessage();
            }
            err.println("pooltag: third SIG" + sig.getName() + ": " + held);
            err.flush();
            exit();
        }
    }

    /** Exits 130 off the signal thread: the sessions' shutdown hooks tear their instances down. */
    private static void exit() {
        Thread t = new Thread(() -> System.exit(130), "pooltag-abort");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        for (int i = 0; i < SIGNALS.length; i++) {
            if (previous[i] != null) {
                try {
                    Signal.handle(new Signal(SIGNALS[i]), previous[i]);
                } catch (IllegalArgumentException e) {
                    // as in install
                }
            }
        }
    }
}
