/*
 * pooltag's leak corpus: one child process that makes the kernel leak one kind of object at an exact rate.
 *
 *   leaker KIND COUNT RATE      (RATE objects per second; COUNT objects in all)
 *
 * Handshake (one for every live test): the child prepares what the leak needs (files, fds, queues) and prints
 * "READY <pid>"; it leaks when a line arrives on stdin ("GO"), prints "DONE <n>" once COUNT objects are made, and
 * holds them until stdin closes (or SIGTERM/SIGINT, or its parent dies): it then removes what outlives a process
 * (SysV queues and semaphore sets, the hugetlbfs kind's mount) and exits 0, and the kernel frees the rest. SIGKILL
 * leaves those behind: stop it by closing stdin.
 *
 * Each leaked object is made by exactly one system call, named in the table below, so its stack carries it.
 * Errors: one line on stderr naming the call and errno, exit 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MSG_TEXT 100          /* bytes of text per SysV message: 48 B header + 100 -> the 192 B bucket */
#define MSG_PER_QUEUE 150     /* msgmnb is 16384 B of text by default: 163 such messages per queue */
#define KEY_SPEC_SESSION_KEYRING (-3)
#define KEYCTL_JOIN_SESSION_KEYRING 1

static const char *kind;
static long count;
static int *msqids, nmsq;
static int *semids;
static long nsem;
static char dir[256];
static int mounted;          /* dir is a hugetlbfs mount of ours */
static volatile sig_atomic_t stop;

static void cleanup(void);

/* Every exit path removes what outlives the process: an error after the mount must not leave it behind. */
static void die(const char *what) {
    fprintf(stderr, "leaker %s: %s failed: %s\n", kind, what, strerror(errno));
    cleanup();
    exit(2);
}

static void on_signal(int sig) { (void) sig; stop = 1; }

/* What outlives the process: SysV queues and semaphore sets, the prepared files, the hugetlbfs mount. Once only. */
static void cleanup(void) {
    static int done;
    if (done) return;
    done = 1;
    for (int i = 0; i < nmsq; i++) msgctl(msqids[i], IPC_RMID, NULL);
    for (long i = 0; i < nsem; i++) semctl(semids[i], 0, IPC_RMID);
    if (mounted) {
        /* rmdir, not a shell: cleanup also runs when open(2) ran out of descriptors */
        if (umount2(dir, MNT_DETACH) != 0 || rmdir(dir) != 0)
            fprintf(stderr, "leaker: could not unmount and remove %s: %s\n", dir, strerror(errno));
        dir[0] = 0;
    }
    if (dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "leaker: could not remove %s\n", dir);
    }
}

static void make_files(long n) {
    snprintf(dir, sizeof dir, "/tmp/pooltag-leak-%d", getpid());
    if (mkdir(dir, 0700) != 0) die("mkdir");
    for (long i = 0; i < n; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s/f%ld", dir, i);
        int fd = open(p, O_CREAT | O_WRONLY, 0600);
        if (fd < 0) die("open");
        close(fd);
    }
    /* Uncached: drop the now unused dentries and inodes, so each watch's path lookup reads its inode back in. */
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "2\n", 2) != 2) fprintf(stderr, "leaker: drop_caches: %s\n", strerror(errno));
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: leaker KIND COUNT RATE\n");
        return 2;
    }
    kind = argv[1];
    count = atol(argv[2]);
    double rate = atof(argv[3]);
    if (count <= 0 || rate <= 0) {
        fprintf(stderr, "leaker: COUNT and RATE must be positive\n");
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    /* Preparation: everything the leak needs that is not the leaked object. */
    int holder = -1;          /* the inotify/fanotify/epoll fd the objects hang off */
    int *targets = NULL;      /* fds epoll items refer to */
    if (!strcmp(kind, "inotify")) {
        make_files(count);
        if ((holder = inotify_init1(0)) < 0) die("inotify_init1");
    } else if (!strcmp(kind, "fanotify")) {
        make_files(count);
        if ((holder = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY)) < 0) die("fanotify_init");
    } else if (!strcmp(kind, "epoll")) {
        if ((holder = epoll_create1(0)) < 0) die("epoll_create1");
        targets = calloc(count, sizeof *targets);
        for (long i = 0; i < count; i++)
            if ((targets[i] = eventfd(0, 0)) < 0) die("eventfd");
    } else if (!strcmp(kind, "msg")) {
        nmsq = (int) ((count + MSG_PER_QUEUE - 1) / MSG_PER_QUEUE);
        msqids = calloc(nmsq, sizeof *msqids);
        for (int i = 0; i < nmsq; i++) {
            if ((msqids[i] = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0) die("msgget");
        }
    } else if (!strcmp(kind, "sem")) {
        semids = calloc(count, sizeof *semids);
    } else if (!strcmp(kind, "key")) {
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) die("keyctl(JOIN_SESSION_KEYRING)");
    } else if (!strcmp(kind, "hugetlbfs")) {
        /* A private mount: its inodes (hugetlbfs_inode_cache) are this process's alone, whatever else the machine
         * does; the kind for tests that must judge only their own child's allocations. Root only. */
        snprintf(dir, sizeof dir, "/tmp/pooltag-leak-hugetlbfs-XXXXXX");
        if (!mkdtemp(dir)) {
            dir[0] = 0;
            die("mkdtemp");
        }
        if (mount("pooltag-leak", dir, "hugetlbfs", 0, "mode=0700") != 0) die("mount(hugetlbfs)");
        mounted = 1;
    } else if (strcmp(kind, "pipe") && strcmp(kind, "unix") && strcmp(kind, "udp") && strcmp(kind, "tcp")
               && strcmp(kind, "eventfd") && strcmp(kind, "timerfd") && strcmp(kind, "signalfd")
               && strcmp(kind, "mq") && strcmp(kind, "memfd")) {
        fprintf(stderr, "leaker: unknown kind %s\n", kind);
        return 2;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGUSR1);

    printf("READY %d\n", getpid());
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) {
        cleanup();
        return 0;
    }

    struct timespec t0, due;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long period = (long) (1e9 / rate);
    long made = 0;
    char name[320], payload[MSG_TEXT + sizeof(long)];
    memset(payload, 'x', sizeof payload);
    for (long i = 0; i < count && !stop; i++) {
        long at = i * period;
        due.tv_sec = t0.tv_sec + (t0.tv_nsec + at) / 1000000000L;
        due.tv_nsec = (t0.tv_nsec + at) % 1000000000L;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR && !stop) {
        }
        int fds[2];
        if (!strcmp(kind, "pipe")) {
            if (pipe2(fds, 0) != 0) die("pipe2");
        } else if (!strcmp(kind, "unix")) {
            if (socket(AF_UNIX, SOCK_STREAM, 0) < 0) die("socket(AF_UNIX)");
        } else if (!strcmp(kind, "udp")) {
            if (socket(AF_INET, SOCK_DGRAM, 0) < 0) die("socket(AF_INET, SOCK_DGRAM)");
        } else if (!strcmp(kind, "tcp")) {
            if (socket(AF_INET, SOCK_STREAM, 0) < 0) die("socket(AF_INET, SOCK_STREAM)");
        } else if (!strcmp(kind, "inotify")) {
            snprintf(name, sizeof name, "%s/f%ld", dir, i);
            if (inotify_add_watch(holder, name, IN_MODIFY) < 0) die("inotify_add_watch");
        } else if (!strcmp(kind, "fanotify")) {
            snprintf(name, sizeof name, "%s/f%ld", dir, i);
            if (fanotify_mark(holder, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, name) != 0) die("fanotify_mark");
        } else if (!strcmp(kind, "epoll")) {
            struct epoll_event ev = {.events = EPOLLIN};
            if (epoll_ctl(holder, EPOLL_CTL_ADD, targets[i], &ev) != 0) die("epoll_ctl");
        } else if (!strcmp(kind, "eventfd")) {
            if (eventfd(0, 0) < 0) die("eventfd");
        } else if (!strcmp(kind, "timerfd")) {
            if (timerfd_create(CLOCK_MONOTONIC, 0) < 0) die("timerfd_create");
        } else if (!strcmp(kind, "signalfd")) {
            if (signalfd(-1, &sigs, 0) < 0) die("signalfd");
        } else if (!strcmp(kind, "msg")) {
            *(long *) payload = 1;
            if (msgsnd(msqids[i / MSG_PER_QUEUE], payload, MSG_TEXT, IPC_NOWAIT) != 0) die("msgsnd");
        } else if (!strcmp(kind, "sem")) {
            if ((semids[i] = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) < 0) die("semget");
            nsem = i + 1;
        } else if (!strcmp(kind, "key")) {
            snprintf(name, sizeof name, "pooltag-leak-%ld", i);
            if (syscall(SYS_add_key, "user", name, payload, 32, KEY_SPEC_SESSION_KEYRING) < 0) die("add_key");
        } else if (!strcmp(kind, "mq")) {
            /* One message of one byte: the smallest queue, so RLIMIT_MSGQUEUE allows thousands. The name is
             * unlinked at once: the open descriptor keeps the queue, and nothing outlives the process. */
            struct mq_attr a = {.mq_maxmsg = 1, .mq_msgsize = 1};
            snprintf(name, sizeof name, "/pooltag-leak-%d-%ld", getpid(), i);
            if (mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &a) < 0) die("mq_open");
            mq_unlink(name);
        } else if (!strcmp(kind, "memfd")) {
            if (memfd_create("pooltag-leak", 0) < 0) die("memfd_create");
        } else if (!strcmp(kind, "hugetlbfs")) {
            snprintf(name, sizeof name, "%s/f%ld", dir, i);
            if (open(name, O_CREAT | O_EXCL | O_WRONLY, 0600) < 0) die("open");
        }
        made++;
    }
    printf("DONE %ld\n", made);
    fflush(stdout);
    while (!stop && fgets(line, sizeof line, stdin)) {
    }
    cleanup();
    return 0;
}
