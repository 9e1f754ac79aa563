package pooltag.cli.leaks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process that makes the kernel leak real objects: it prepares what it needs, prints {@code READY}, waits
 * for a line on stdin, then leaks {@code count} objects at {@code rate} per second, prints {@code DONE} and keeps
 * everything open until it is killed (its exit frees it all).
 *
 * <ul>
 *   <li>{@code pipes}: pipe2 (two files, a pipe_inode_info and its buffers per pipe);</li>
 *   <li>{@code sockets}: UNIX stream sockets (socket(2)): generic call sites (sk_prot_alloc, alloc_empty_file);</li>
 *   <li>{@code inotify}: one WatchService (inotify) watching {@code count} directories made beforehand;</li>
 *   <li>{@code epoll}: one Selector (epoll) registering {@code count} pipes made beforehand.</li>
 * </ul>
 */
public final class Leaker {
    private Leaker() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        int count = Integer.parseInt(args[1]);
        double rate = Double.parseDouble(args[2]);
        List<Object> keep = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        List<Pipe> pipes = new ArrayList<>();
        WatchService watch = null;
        Selector selector = null;
        switch (kind) {
            case "inotify" -> {
                Path base = Files.createTempDirectory("pooltag-leak");
                for (int i = 0; i < count; i++) {
                    dirs.add(Files.createDirectory(base.resolve("d" + i)));
                }
                watch = FileSystems.getDefault().newWatchService();
            }
            case "epoll" -> {
                for (int i = 0; i < count; i++) {
                    Pipe p = Pipe.open();
                    p.source().configureBlocking(false);
                    pipes.add(p);
                }
                selector = Selector.open();
            }
            case "pipes", "sockets" -> { }
            default -> throw new IllegalArgumentException("unknown leak " + kind);
        }
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        in.readLine();
        long periodNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * periodNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            switch (kind) {
                case "pipes" -> keep.add(Pipe.open());
                case "sockets" -> keep.add(SocketChannel.open(StandardProtocolFamily.UNIX));
                case "inotify" -> keep.add(dirs.get(i).register(watch, StandardWatchEventKinds.ENTRY_CREATE));
                case "epoll" -> {
                    keep.add(pipes.get(i).source().register(selector, SelectionKey.OP_READ));
                    selector.selectNow(); // Java applies registrations to epoll on the next select
                }
                default -> throw new IllegalStateException();
            }
        }
        System.out.println("DONE");
        System.out.flush();
        Thread.sleep(600_000);
        System.out.println(keep.size());
    }
}
