package pooltag.linux.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * pid to command name ({@code /proc/PID/comm}), remembered once seen: a process that leaked and exited still
 * prints under the name it had. {@code ?} for a pid that was gone before it was first asked about. For views only.
 */
public final class ProcessNames {
    private final Map<Integer, String> names = new HashMap<>();

    public String of(int pid) {
        if (pid == 0) {
            return "swapper";
        }
        return names.computeIfAbsent(pid, p -> {
            try {
                return Files.readString(Path.of("/proc", Integer.toString(p), "comm")).trim();
            } catch (IOException e) {
                return "?";
            }
        });
    }
}
