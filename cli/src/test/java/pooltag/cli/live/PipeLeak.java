package pooltag.cli.live;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import pooltag.cli.deploy.PipeLeaker;

/**
 * A {@link PipeLeaker} child for live tests: started (JVM up, idle) by the constructor, leaking on {@link #leak()},
 * killed by {@link #close()} (the kernel then frees its pipes).
 */
public final class PipeLeak implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final int count;

    public PipeLeak(int count, int perSecond) throws IOException {
        this.count = count;
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        process = new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
                PipeLeaker.class.getName(), Integer.toString(count), Integer.toString(perSecond))
                .redirectErrorStream(true).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (!"ready".equals(ready)) {
            close();
            throw new IOException("PipeLeaker did not start: " + ready);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Starts leaking and waits until every pipe is open. */
    public void leak() throws IOException {
        OutputStream in = process.getOutputStream();
        in.write('\n');
        in.flush();
        String done = out.readLine();
        if (!("leaked " + count).equals(done)) {
            throw new IOException("PipeLeaker said '" + done + "', expected 'leaked " + count + "'");
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
