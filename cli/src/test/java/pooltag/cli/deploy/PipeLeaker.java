package pooltag.cli.deploy;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process that leaks kernel pipes: {@code PipeLeaker COUNT PER_SECOND} prints {@code ready}, waits for a line
 * on standard input (so the parent can let the noise of a JVM start-up settle first), then opens COUNT pipes (each a
 * pipe_inode_info, two struct file, an inode, a dentry and a pipe_buffer array) at PER_SECOND, never closes them,
 * prints {@code leaked N} and waits to be killed; the kernel frees everything when it dies. Each pipe is two file
 * descriptors: COUNT must stay under half of RLIMIT_NOFILE (20000 here, which even root cannot raise).
 */
public final class PipeLeaker {
    private PipeLeaker() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int count = Integer.parseInt(args[0]);
        int perSecond = Integer.parseInt(args[1]);
        List<Pipe> kept = new ArrayList<>(count);
        System.out.println("ready");
        System.out.flush();
        if (new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine() == null) {
            return; // the parent went away
        }
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            kept.add(Pipe.open());
            long due = start + (i + 1) * 1_000_000_000L / perSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        System.out.println("leaked " + kept.size());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
