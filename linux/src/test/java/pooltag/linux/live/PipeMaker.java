package pooltag.linux.live;

import java.nio.channels.Pipe;

/** Child process for live tests: opens and closes N pipes (each one alloc_pipe_info in the kernel), then exits. */
public final class PipeMaker {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        long delayMs = args.length > 1 ? Long.parseLong(args[1]) : 0;
        System.out.println("ready");
        System.out.flush();
        if (delayMs > 0) {
            Thread.sleep(delayMs);
        }
        for (int i = 0; i < n; i++) {
            Pipe p = Pipe.open();
            p.sink().close();
            p.source().close();
        }
        System.out.println("done " + n);
    }

    /** Starts the child with the test class path. */
    public static Process start(int pipes, long delayMs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                PipeMaker.class.getName(), Integer.toString(pipes), Long.toString(delayMs))
                .redirectErrorStream(true).start();
    }

    private static final class Path {
        static java.nio.file.Path of(String first, String... more) {
            return java.nio.file.Path.of(first, more);
        }
    }
}
