/* fsbench: a fixed amount of kernel-allocation-heavy work, for the tracer comparison (bench/compare.sh).
 * W worker processes each run N rounds of: create + write + fstat + close + unlink of a small file under DIR, and
 * pipe2 + write + read + close. Every round allocates and frees dentries, inodes, files, pipe buffers and kmalloc
 * blocks, so the kmem tracepoints fire at the highest rate two CPUs give (about 3 M events/s here).
 * Usage: fsbench W N DIR   prints the wall time in seconds (CLOCK_MONOTONIC), exit 1 on any failed call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int work(int id, long n, const char *dir) {
    char path[4096], buf[64];
    snprintf(path, sizeof path, "%s/w%d", dir, id);
    memset(buf, 'x', sizeof buf);
    for (long i = 0; i < n; i++) {
        int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
        if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t) sizeof buf) return 1;
        struct stat st;
        if (fstat(fd, &st) != 0 || close(fd) != 0 || unlink(path) != 0) return 1;
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) return 1;
        if (write(p[1], buf, sizeof buf) != (ssize_t) sizeof buf || read(p[0], buf, sizeof buf) != (ssize_t) sizeof buf) return 1;
        close(p[0]);
        close(p[1]);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: fsbench WORKERS ROUNDS DIR\n"); return 2; }
    int w = atoi(argv[1]);
    long n = atol(argv[2]);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < w; i++) {
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) _exit(work(i, n, argv[3]));
    }
    int bad = 0, status;
    while (wait(&status) > 0) bad |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.3f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return bad;
}
