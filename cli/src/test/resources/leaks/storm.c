/*
 * storm DIR SECONDS: creates empty files DIR/<n> in a tight loop for SECONDS, keeping them (each one a dentry, a tmpfs
 * inode and its LSM blobs: long-lived kernel allocations). When the tmpfs is full (ENOSPC: its nr_inodes bound keeps
 * kernel memory finite), it unlinks its oldest file and goes on, so the event rate stays at the machine's highest while
 * the outstanding set stays at nr_inodes. Prints "created N unlinked M" on exit; the files stay until the unmount.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3 || chdir(argv[1]) != 0) {
        fprintf(stderr, "usage: storm DIR SECONDS\n");
        return 2;
    }
    double end = now() + atof(argv[2]);
    unsigned long created = 0, oldest = 0;
    char name[32];
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        if ((created & 1023) == 0 && now() >= end) {
            break;
        }
        snprintf(name, sizeof name, "%lu", created);
        int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (fd < 0) {
            if (errno != ENOSPC || oldest == created) {
                perror(name);
                return 1;
            }
            snprintf(name, sizeof name, "%lu", oldest++);
            unlink(name);
            continue;
        }
        close(fd);
        created++;
    }
    printf("created %lu unlinked %lu\n", created, oldest);
    return 0;
}
