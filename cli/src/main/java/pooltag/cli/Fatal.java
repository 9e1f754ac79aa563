package pooltag.cli;

import java.io.PrintStream;

/**
 * What ends the process when it cannot go on: an {@link OutOfMemoryError} anywhere (a thread's uncaught error, or a
 * handler that catches it) prints one line and exits with status 3, the status of the JVM's own
 * {@code -XX:+ExitOnOutOfMemoryError}. Unlike that flag, the exit runs the shutdown hooks, so a tracing session still
 * turns tracing off and removes its tracefs instance; a process that limped on after an OutOfMemoryError would serve
 * stale or half-built answers. A reserve of heap is released first so that the line and the teardown can allocate;
 * if the teardown hangs, the process halts after {@link #HALT_AFTER_MS}.
 */
public final class Fatal {
    static final int EXIT_OUT_OF_MEMORY = 3;
    static final long HALT_AFTER_MS = 20_000;
    private static volatile byte[] reserve = new byte[1 << 20];
    private static volatile boolean exiting;

    private Fatal() {
    }

    /** Routes every thread's uncaught {@link OutOfMemoryError} here; other uncaught errors keep the JVM's handling. */
    public static void install() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (e instanceof OutOfMemoryError oom) {
                outOfMemory(oom);
            } else if (previous != null) {
                previous.uncaughtException(t, e);
            } else {
                System.err.println("pooltag: thread " + t.getName() + " died: " + e);
            }
        });
    }

    /** Ends the process for an OutOfMemoryError: one line, shutdown hooks, exit status 3. Returns at once. */
    public static void outOfMemory(OutOfMemoryError e) {
        reserve = null;
        synchronized (Fatal.class) {
            if (exiting) {
                return;
            }
            exiting = true;
        }
        PrintStream err = System.err;
        err.println("pooltag: out of memory (" + e.getMessage() + "); exiting. Give the JVM more heap with"
                + " POOLTAG_JAVA_OPTS=-Xmx... or trace less (a tag, a shorter --duration)");
        err.flush();
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(EXIT_OUT_OF_MEMORY);
        }, "pooltag-oom-halt");
        halt.setDaemon(true);
        halt.start();
        // Not on this thread: System.exit blocks until the hooks finish, and this thread may hold a lock they need.
        Thread exit = new Thread(() -> System.exit(EXIT_OUT_OF_MEMORY), "pooltag-oom-exit");
        exit.setDaemon(true);
        exit.start();
    }
}
