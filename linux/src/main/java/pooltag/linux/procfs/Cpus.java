package pooltag.linux.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's CPU lists: how many per-CPU buffers and per-CPU slabs there are. */
public final class Cpus {
    private Cpus() {
    }

    /** CPUs online now ({@code /sys/devices/system/cpu/online}, e.g. "0-3,8"); the JVM's count if unreadable. */
    public static int online() {
        try {
            return countList(Files.readString(Path.of("/sys/devices/system/cpu/online")));
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** Counts a kernel CPU list ("0-3,8" = 5); at least 1. */
    public static int countList(String list) {
        int n = 0;
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
        }
        return Math.max(1, n);
    }
}
