package pooltag.linux.live;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;

/**
 * Child process for the hygiene live tests. Every line it prints is a marker the parent reads:
 * <ul>
 *   <li>{@code cycle}: sessions back to back, forever (until killed): {@code setup}, then {@code tracing}, then
 *       {@code teardown} (stop and close), then {@code closed}; each session has a filter and a stack trigger, so a
 *       kill leaves every kind of state behind;</li>
 *   <li>{@code follow}: one session; prints {@code instance NAME}, then {@code events N} every 200 ms, until its
 *       standard input ends, then stops and closes it and prints {@code closed}.</li>
 * </ul>
 */
public final class SessionChild {
    /** A filter and a trigger on kmalloc that match (almost) nothing: state to leave behind, no extra load. */
    static TraceConfig config() {
        return TraceConfig.kmem().withBufferSizeKb(512)
                .withFilter("kmem/kmalloc", "bytes_req < 1000000000")
                .withStackTrigger("kmem/kmalloc", "bytes_req > 1000000000");
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        AtomicLong events = new AtomicLong();
        AllocEventConsumer counter = new AllocEventConsumer() {
            @Override
            public void onEvent(AllocEvent e) {
                events.incrementAndGet();
            }

            @Override
            public void onLoss(int cpu, long count) {
            }
        };
        if (args[0].equals("follow")) {
            try (TraceSession s = TraceSession.open(config())) {
                out.println("instance " + s.instance().name());
                out.flush();
                Thread stdin = new Thread(() -> {
                    try (InputStream in = System.in) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (java.io.IOException ignored) {
                        // end of input either way
                    }
                    s.requestStop();
                });
                stdin.setDaemon(true);
                stdin.start();
                s.start(counter);
                while (!s.awaitStopRequest(Duration.ofMillis(200))) {
                    out.println("events " + events.get() + (s.failure() == null ? "" : " failed"));
                    out.flush();
                }
                s.stop();
            }
            out.println("closed");
            return;
        }
        Random r = new Random();
        while (true) {
            out.println("setup");
            out.flush();
            try (TraceSession s = TraceSession.open(config())) {
                out.println("tracing");
                out.flush();
                s.start(counter);
                Thread.sleep(r.nextInt(300));
                out.println("teardown");
                out.flush();
            }
            out.println("closed");
            out.flush();
        }
    }

    /** Starts the child with the test class path; {@code prefix} runs it inside another command (unshare). */
    static ProcessBuilder command(String mode, String... prefix) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(prefix));
        cmd.addAll(java.util.List.of(javaBin, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), SessionChild.class.getName(), mode));
        return new ProcessBuilder(cmd);
    }
}
