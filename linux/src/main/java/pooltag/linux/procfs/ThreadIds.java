package pooltag.linux.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Kernel task ids of this JVM's threads: the {@code common_pid} the kernel's events carry for them. */
public final class ThreadIds {
    private ThreadIds() {
    }

    /**
     * The calling thread's kernel task id, from {@code /proc/thread-self} (a link to "PID/task/TID", Linux 3.17+);
     * -1 when unreadable. The JDK has no portable call for it: {@code Thread.threadId()} is the JVM's own numbering.
     */
    public static int current() {
        try {
            return parseLink(Files.readSymbolicLink(Path.of("/proc/thread-self")).toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The TID of a {@code /proc/thread-self} target "PID/task/TID"; -1 for anything else. */
    static int parseLink(String target) {
        int at = target.lastIndexOf("/task/");
        if (at < 0) {
            return -1;
        }
        try {
            int tid = Integer.parseInt(target.substring(at + "/task/".length()));
            return tid > 0 ? tid : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * True when a {@code /proc} (or {@code /proc/<pid>/task}) entry's name is a task id: decimal digits only, at most
     * nine (pid_max is at most 2^22).
     */
    public static boolean isTaskId(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
