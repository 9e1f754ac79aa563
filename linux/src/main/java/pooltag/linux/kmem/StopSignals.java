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
 * <p>A signal that arrives before the run exists is remembered: {@link #onStop} then runs its action at once.
 */
public final class StopSignals implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};

    private final PrintStream err;
    private final AtomicInteger received = new AtomicInteger();
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private Runnable action;

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

    /** True once a signal asked to stop. */
    public boolean stopRequested() {
        return received.get() > 0;
    }

    private void onSignal(Signal sig) {
        int n = received.incrementAndGet();
        if (n == 1) {
            err.println("pooltag: SIG" + sig.getName() + ": stopping; the report follows (send it again to abort)");
            err.flush();
            Runnable a;
            synchronized (this) {
                a = action;
            }
            if (a != null) {
                a.run();
            }
        } else if (n == 2) {
            err.println("pooltag: second SIG" + sig.getName() + ": aborted, no report");
            err.flush();
            Thread t = new Thread(() -> System.exit(130), "pooltag-abort");
            t.setDaemon(true);
            t.start();
        }
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
