package pooltag.linux.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import pooltag.core.error.PooltagException;

/**
 * The cgroup hierarchy that carries the memory controller, where it is mounted, and how {@code /proc/<pid>/cgroup}
 * names it. cgroup v2 when its root lists {@code memory} in {@code cgroup.controllers}; otherwise the v1 hierarchy
 * mounted with the {@code memory} option (as on hosts that keep the unified hierarchy for systemd only, where v2's
 * {@code cgroup.controllers} is empty or lacks {@code memory}). Found from {@code /proc/self/mountinfo}, never from
 * a fixed path.
 *
 * @param version    1 or 2
 * @param mountPoint where the hierarchy is mounted (under {@code fsRoot} for tests)
 * @param mountRoot  the hierarchy path shown at the mount point ({@code /} on a host; a container may see its own
 *                   cgroup mounted as root): {@code /proc/<pid>/cgroup} paths start with it
 */
public record CgroupHierarchy(int version, Path mountPoint, String mountRoot) {
    /** The hierarchy of the running system. */
    public static CgroupHierarchy live() {
        return detect(Path.of("/"));
    }

    /**
     * Reads {@code fsRoot/proc/self/mountinfo}; mount points are resolved under {@code fsRoot}.
     *
     * @throws PooltagException when no hierarchy has the memory controller (cgroups not mounted, or memory disabled)
     */
    public static CgroupHierarchy detect(Path fsRoot) {
        Path mountinfo = fsRoot.resolve("proc/self/mountinfo");
        String text;
        try {
            text = Files.readString(mountinfo, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PooltagException("cannot read " + mountinfo + ": " + e.getMessage(), e);
        }
        CgroupHierarchy v1 = null;
        CgroupHierarchy v2 = null;
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 7 || dash < 0 || dash + 3 > f.length) {
                throw new PooltagException(mountinfo + ":" + lineNo + ": not a mountinfo line: " + line);
            }
            String fstype = f[dash + 1];
            String root = unescape(f[3]);
            Path point = under(fsRoot, unescape(f[4]));
            if (fstype.equals("cgroup2") && v2 == null && hasMemoryController(point)) {
                v2 = new CgroupHierarchy(2, point, root);
            } else if (fstype.equals("cgroup") && v1 == null && dash + 3 <= f.length) {
                for (String opt : f[dash + 3].split(",")) {
                    if (opt.equals("memory")) {
                        v1 = new CgroupHierarchy(1, point, root);
                        break;
                    }
                }
            }
        }
        if (v2 != null) {
            return v2;
        }
        if (v1 != null) {
            return v1;
        }
        throw new PooltagException("no cgroup hierarchy with the memory controller is mounted (" + mountinfo
                + " has no cgroup2 mount listing memory in cgroup.controllers and no cgroup mount with the memory"
                + " option): per-cgroup kernel memory needs the memory controller");
    }

    private static boolean hasMemoryController(Path v2Root) {
        try {
            for (String c : Files.readString(v2Root.resolve("cgroup.controllers")).trim().split("\\s+")) {
                if (c.equals("memory")) {
                    return true;
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path under(Path fsRoot, String absolute) {
        String rel = absolute.startsWith("/") ? absolute.substring(1) : absolute;
        return rel.isEmpty() ? fsRoot : fsRoot.resolve(rel);
    }

    /** mountinfo escapes space, tab, newline and backslash as {@code \ooo}. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }

    /** {@code cgroup v1 memory at /sys/fs/cgroup/memory}, for reports. */
    public String describe() {
        return "cgroup v" + version + (version == 1 ? " memory" : "") + " at " + mountPoint;
    }

    /**
     * The directory of a cgroup path as {@code /proc/<pid>/cgroup} shows it, or null when the path lies outside the
     * mounted part of the hierarchy.
     */
    public Path directory(String cgroupPath) {
        String rel;
        if (mountRoot.equals("/")) {
            rel = cgroupPath;
        } else if (cgroupPath.equals(mountRoot)) {
            rel = "/";
        } else if (cgroupPath.startsWith(mountRoot + "/")) {
            rel = cgroupPath.substring(mountRoot.length());
        } else {
            return null;
        }
        return rel.equals("/") ? mountPoint : mountPoint.resolve(rel.substring(1));
    }

    /**
     * The memory hierarchy's path in the text of a {@code /proc/<pid>/cgroup} file, or null when the file has no
     * line for it. v2: the {@code 0::/path} line; v1: the line whose controller list has {@code memory}.
     */
    public String pathIn(String procPidCgroup) {
        long at = lineIn(procPidCgroup);
        if (at < 0) {
            return null;
        }
        int colon = (int) (at >>> 32);
        int end = procPidCgroup.indexOf('\n', colon);
        return procPidCgroup.substring(colon + 1, end < 0 ? procPidCgroup.length() : end);
    }

    /**
     * The hierarchy's id in the text of a {@code /proc/<pid>/cgroup} file (the number before the first colon of its
     * line: {@code 0} for v2, the v1 hierarchy's own number), or -1 when the file has no line for it. Tracepoints
     * name a hierarchy by this id ({@code cgroup_attach_task}'s {@code dst_root}).
     */
    public int idIn(String procPidCgroup) {
        long at = lineIn(procPidCgroup);
        if (at < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(procPidCgroup.substring((int) at, procPidCgroup.indexOf(':', (int) at)));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Where the hierarchy's line is in a {@code /proc/<pid>/cgroup} text: {@code lineStart | secondColon << 32}, or
     * -1. v2: the {@code 0::/path} line; v1: the line whose controller list has {@code memory}.
     */
    private long lineIn(String procPidCgroup) {
        int start = 0;
        int n = procPidCgroup.length();
        while (start < n) {
            int end = procPidCgroup.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            int c1 = procPidCgroup.indexOf(':', start);
            int c2 = c1 < 0 || c1 >= end ? -1 : procPidCgroup.indexOf(':', c1 + 1);
            if (c2 > 0 && c2 < end) {
                String controllers = procPidCgroup.substring(c1 + 1, c2);
                boolean match = version == 2 ? controllers.isEmpty() && procPidCgroup.startsWith("0", start)
                        : hasMemory(controllers);
                if (match) {
                    return start | (long) c2 << 32;
                }
            }
            start = end + 1;
        }
        return -1;
    }

    private static boolean hasMemory(String controllers) {
        for (String c : controllers.split(",")) {
            if (c.equals("memory")) {
                return true;
            }
        }
        return false;
    }
}
