/*
 * LD_PRELOAD shim for bench/perf-hunt.sh: on this machine the function-tracer control files under tracefs
 * (set_ftrace_filter, set_ftrace_pid, ...) are locked and even opening them fails with EPERM, which makes
 * Debian's trace-cmd 3.1 give up ("Can't enable ftrace") before it records a single event; its first failure is
 * writing "1" to /proc/sys/kernel/ftrace_enabled (EPERM on the write). This shim opens that file for writing as
 * /dev/null, and retries any tracefs open that failed with EPERM on /dev/null (same access mode), so reads see an
 * empty file and writes succeed and go nowhere. Nothing else is changed; every redirected path is logged to stderr once per open when
 * EPERM_NOOP_VERBOSE is set.
 * Build: cc -shared -fPIC -O2 -o bench/shim/eperm-noop.so bench/shim/eperm-noop.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_tracefs(const char *p) {
    return p && (strstr(p, "/tracing/") || strncmp(p, "set_", 4) == 0 || strstr(p, "ftrace_enabled"));
}

/* Files whose open succeeds but whose write fails with EPERM here: opened for writing, they go to /dev/null. */
static int write_locked(const char *p, int flags) {
    return p && (flags & O_ACCMODE) != O_RDONLY && strstr(p, "/proc/sys/kernel/ftrace_enabled");
}

static int redirect(const char *path, int flags) {
    if (getenv("EPERM_NOOP_VERBOSE")) fprintf(stderr, "eperm-noop: %s -> /dev/null\n", path);
    int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
    return real_open("/dev/null", flags & (O_ACCMODE | O_CLOEXEC));
}

#define OPEN_LIKE(name)                                                     \
int name(const char *path, int flags, ...) {                                \
    static int (*real)(const char *, int, ...);                             \
    if (!real) real = dlsym(RTLD_NEXT, #name);                              \
    mode_t mode = 0;                                                        \
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); } \
    if (write_locked(path, flags)) return redirect(path, flags);            \
    int fd = real(path, flags, mode);                                       \
    if (fd < 0 && errno == EPERM && is_tracefs(path)) return redirect(path, flags); \
    return fd;                                                              \
}
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                   \
int name(int dirfd, const char *path, int flags, ...) {                     \
    static int (*real)(int, const char *, int, ...);                        \
    if (!real) real = dlsym(RTLD_NEXT, #name);                              \
    mode_t mode = 0;                                                        \
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); } \
    if (write_locked(path, flags)) return redirect(path, flags);            \
    int fd = real(dirfd, path, flags, mode);                                \
    if (fd < 0 && errno == EPERM && is_tracefs(path)) return redirect(path, flags); \
    return fd;                                                              \
}
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

#define FOPEN_LIKE(name)                                                    \
FILE *name(const char *path, const char *mode) {                            \
    static FILE *(*real)(const char *, const char *);                       \
    if (!real) real = dlsym(RTLD_NEXT, #name);                              \
    FILE *f = real(path, mode);                                             \
    if (!f && errno == EPERM && is_tracefs(path)) {                         \
        if (getenv("EPERM_NOOP_VERBOSE")) fprintf(stderr, "eperm-noop: %s -> /dev/null\n", path); \
        return real("/dev/null", mode);                                     \
    }                                                                       \
    return f;                                                               \
}
FOPEN_LIKE(fopen)
FOPEN_LIKE(fopen64)
