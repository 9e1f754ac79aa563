/*
 * reader INSTANCE NCPU PAUSE: reads every CPU's trace_pipe_raw of a tracefs instance the way pooltag's live readers
 * do (non-blocking read(2) of one 4 KiB page until the buffer answers EAGAIN, then poll(2) for at most 10 ms), one
 * thread per CPU, discarding what it reads, until SIGTERM; then drains. PAUSE=1: after a page short of full (the one
 * the kernel is still writing), poll first instead of reading again at once, as pooltag does since 2026-12-01.
 * Used by strand.sh to show that the kernel's reader strands events without pooltag (docs/ENGINE.md).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *instance;
static volatile sig_atomic_t stop;
static int pause_on_partial;

/* a 4 KiB sub-buffer: u64 time stamp, u64 commit (low 20 bits: bytes of data), then 4080 bytes of data */
enum { PAGE = 4096, DATA = 4080, FULL_SLACK = 1024 };

static void *run(void *arg) {
    long cpu = (long) arg;
    char path[512];
    static __thread char page[PAGE];
    snprintf(path, sizeof path, "%s/per_cpu/cpu%ld/trace_pipe_raw", instance, cpu);
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        perror(path);
        return NULL;
    }
    struct pollfd pfd = {fd, POLLIN, 0};
    while (!stop) {
        ssize_t n = read(fd, page, PAGE);
        if (n > 0) {
            unsigned long commit = *(unsigned long *) (page + 8) & 0xfffffUL;
            if (pause_on_partial && commit + FULL_SLACK < DATA) {
                poll(&pfd, 1, 10);
            }
            continue;
        }
        poll(&pfd, 1, 10);
    }
    while (read(fd, page, PAGE) > 0) {
    }
    close(fd);
    return NULL;
}

static void on_term(int sig) {
    (void) sig;
    stop = 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: reader INSTANCE NCPU PAUSE\n");
        return 2;
    }
    instance = argv[1];
    int cpus = atoi(argv[2]);
    pause_on_partial = atoi(argv[3]);
    pthread_t threads[256];
    if (cpus < 1 || cpus > 256) {
        return 2;
    }
    signal(SIGTERM, on_term);
    for (long c = 0; c < cpus; c++) {
        pthread_create(&threads[c], NULL, run, (void *) c);
    }
    for (int c = 0; c < cpus; c++) {
        pthread_join(threads[c], NULL);
    }
    return 0;
}
