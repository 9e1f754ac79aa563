/*
 * pairfloor: the least a live kmem pairing tool must do, in C, as a yardstick for `pooltag hunt`'s CPU
 * (docs/PERFORMANCE.md, "hunt, round 10"; issue 14). Not part of pooltag: a benchmark peer, like trace-cmd in
 * bench/compare.sh.
 *
 * What it does: one thread, one private tracefs instance (64 KiB sub-buffers, the buffer hunt uses, the four slab
 * events), non-blocking read(2) of every CPU's trace_pipe_raw into one buffer, poll(2) when no CPU had a full
 * sub-buffer (as pooltag, it does not read the page the kernel is writing again at once: that reads slivers); walks
 * each sub-buffer's records and pairs them: an allocation goes into an open-addressing table keyed by address (16 B
 * a slot: address, call-site index, bytes) and counts against its call site (a second table); a free finds, counts
 * and removes it. What it leaves out, so it is a floor and not a rival: no ordering across CPUs (pages are taken in
 * read order; a free read before its allocation is counted unpaired), no names, no stacks, no ranking, no report,
 * no slabinfo sampling, no publishing to other threads.
 *
 * Usage (root): pairfloor TRACEFS CPUS  (SIGTERM or SIGINT ends it; prints its counts and the kernel's loss to
 * stderr). Leaves nothing behind: its instance is removed on every exit path it controls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUBBUF (64 * 1024)
#define MAXCPU 256
#define MAX3(a, b, c) ((a) > (b) ? ((a) > (c) ? (a) : (c)) : ((b) > (c) ? (b) : (c)))

static atomic_int stop_now; /* set by the handler, in whichever thread the signal lands */
static char inst[512];

static void on_signal(int s) { (void) s; atomic_store(&stop_now, 1); }

static int put(const char *rel, const char *val) {
    char p[768];
    snprintf(p, sizeof p, "%s/%s", inst, rel);
    int fd = open(p, O_WRONLY | O_TRUNC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, val, strlen(val));
    close(fd);
    return n == (ssize_t) strlen(val) ? 0 : -1;
}

/* the whole of a small file as a string in b (size bytes), or -1 */
static ssize_t slurp(const char *path, char *b, size_t size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, b, size - 1);
    close(fd);
    if (n <= 0) return -1;
    b[n] = 0;
    return n;
}

static long get_num(const char *path, const char *key) { /* "key: N" line of a stats file, or the first number */
    char b[4096];
    if (slurp(path, b, sizeof b) < 0) return -1;
    if (!key) return strtol(b, NULL, 10);
    char *at = strstr(b, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* address -> (site index, bytes); linear probing, backward-shift deletion, 0 = empty (no allocation is at 0) */
typedef struct { uint64_t addr; uint32_t site; uint32_t bytes; } slot_t;
static slot_t *tab;
static uint64_t tmask, tcount;

static inline uint64_t mix(uint64_t x) { x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; return x; }

static void tab_init(uint64_t cap) { tab = calloc(cap, sizeof *tab); tmask = cap - 1; tcount = 0; }

static slot_t *tab_put(uint64_t a, uint32_t site, uint32_t bytes, slot_t *old);

static void tab_grow(void) {
    slot_t *old = tab;
    uint64_t cap = tmask + 1;
    tab_init(cap * 2);
    for (uint64_t i = 0; i < cap; i++) if (old[i].addr) tab_put(old[i].addr, old[i].site, old[i].bytes, NULL);
    free(old);
}

/* the slot of a new allocation at a, or of the one already there (returned in *old: a lost free) */
static slot_t *tab_put(uint64_t a, uint32_t site, uint32_t bytes, slot_t *old) {
    if (tcount * 10 >= (tmask + 1) * 8) tab_grow();
    uint64_t i = mix(a) & tmask;
    while (tab[i].addr && tab[i].addr != a) i = (i + 1) & tmask;
    if (old) *old = tab[i];
    if (!tab[i].addr) tcount++;
    tab[i].addr = a; tab[i].site = site; tab[i].bytes = bytes;
    return &tab[i];
}

static slot_t *tab_find(uint64_t a) {
    uint64_t i = mix(a) & tmask;
    while (tab[i].addr) { if (tab[i].addr == a) return &tab[i]; i = (i + 1) & tmask; }
    return NULL;
}

static void tab_remove(slot_t *s) {
    uint64_t i = (uint64_t) (s - tab), j = i;
    for (;;) {
        j = (j + 1) & tmask;
        if (!tab[j].addr) break;
        uint64_t home = mix(tab[j].addr) & tmask;
        /* move j back to i when its home is not in (i, j] cyclically */
        if (((j - home) & tmask) >= ((j - i) & tmask)) { tab[i] = tab[j]; i = j; }
    }
    tab[i].addr = 0;
    tcount--;
}

/* call site -> index of its counters; past half the table, new sites share one overflow entry (index smask + 1) */
typedef struct { uint64_t site; uint64_t allocs, frees, live, bytes; } site_t;
static site_t *sites; static uint64_t smask, scount, folded_sites;

static uint32_t site_of(uint64_t cs) {
    uint64_t i = mix(cs) & smask;
    while (sites[i].site && sites[i].site != cs) i = (i + 1) & smask;
    if (!sites[i].site) {
        if ((scount + 1) * 2 > smask + 1) { folded_sites++; return (uint32_t) (smask + 1); }
        scount++;
        sites[i].site = cs;
    }
    return (uint32_t) i;
}

static uint64_t events, allocs, frees, paired, unpaired, double_allocs, short_records, other, pages_read;
/* bytes each kind's fields need (the largest offset read + 8), from the formats */
static uint32_t need_ka, need_ca, need_kf, need_cf;
static int id_kmalloc, id_kfree, id_calloc, id_cfree, off_ptr_ka, off_cs_ka, off_b_ka, off_ptr_ca, off_cs_ca, off_b_ca,
        off_ptr_kf, off_ptr_cf;

static inline uint64_t u64at(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t u32at(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void on_record(const unsigned char *d, uint32_t len) {
    if (len < 8) { short_records++; return; }
    int id = d[0] | d[1] << 8;
    events++;
    uint64_t ptr;
    if (id == id_kmalloc || id == id_calloc) {
        int k = id == id_kmalloc;
        if (len < (k ? need_ka : need_ca)) { short_records++; return; }
        ptr = u64at(d + (k ? off_ptr_ka : off_ptr_ca));
        if (!ptr) return;
        uint32_t s = site_of(u64at(d + (k ? off_cs_ka : off_cs_ca)));
        uint32_t bytes = (uint32_t) u64at(d + (k ? off_b_ka : off_b_ca));
        sites[s].allocs++; sites[s].live++; sites[s].bytes += bytes;
        slot_t old;
        tab_put(ptr, s, bytes, &old);
        if (old.addr) { /* its free was not seen: take it off its site */
            sites[old.site].live--; sites[old.site].bytes -= old.bytes; double_allocs++;
        }
        allocs++;
    } else if (id == id_kfree || id == id_cfree) {
        if (len < (id == id_kfree ? need_kf : need_cf)) { short_records++; return; }
        ptr = u64at(d + (id == id_kfree ? off_ptr_kf : off_ptr_cf));
        frees++;
        if (!ptr) return;
        slot_t *sl = tab_find(ptr);
        if (!sl) { unpaired++; return; }
        site_t *st = &sites[sl->site];
        st->frees++; st->live--; st->bytes -= sl->bytes;
        tab_remove(sl);
        paired++;
    } else {
        other++;
    }
}

/* a sub-buffer: u64 time stamp, u64 commit (bytes in the low 27 bits; bits 30 and 31 flag missed events), data */
static void walk(const unsigned char *b, ssize_t n) {
    if (n < 16) return;
    uint64_t commit = u64at(b + 8) & ((1ULL << 27) - 1);
    const unsigned char *p = b + 16, *end = b + 16 + (commit < (uint64_t) (n - 16) ? commit : (uint64_t) (n - 16));
    /* every record is checked to end inside the committed data before it is read; a broken page stops the walk */
    while (end - p >= 4) {
        uint32_t w = u32at(p), t = w & 31;
        if (t >= 1 && t <= 28) {
            if ((size_t) (end - p) < 4 + (size_t) t * 4) break;
            on_record(p + 4, t * 4); p += 4 + t * 4; continue;
        }
        if (end - p < 8) break;
        uint64_t a = u32at(p + 4), total = (4 + a + 3) & ~3ULL; /* 64-bit: no wrap */
        if (t == 0) {
            if (a < 4 || total > (uint64_t) (end - p)) break;
            on_record(p + 8, (uint32_t) (a - 4)); p += total;
        } else if (t == 29) {
            if ((w >> 5) == 0 || total < 8 || total > (uint64_t) (end - p)) break;
            p += total;
        } else p += 8; /* time extend, time stamp */
    }
}

static int field_off(const char *tracefs, const char *ev, const char *field) {
    char path[600], b[16384];
    snprintf(path, sizeof path, "%s/events/kmem/%s/format", tracefs, ev);
    if (slurp(path, b, sizeof b) < 0) return -1;
    char key[64];
    snprintf(key, sizeof key, " %s;\toffset:", field);
    char *at = strstr(b, key);
    return at ? atoi(at + strlen(key)) : -1;
}

static int event_id(const char *tracefs, const char *ev) {
    char path[600];
    snprintf(path, sizeof path, "%s/events/kmem/%s/id", tracefs, ev);
    return (int) get_num(path, NULL);
}

/* HANDOFF mode: one reader thread per CPU reads into pooled pages and queues them; the main thread walks and pairs
 * them (pooltag's shape: readers never decode, one consumer). Measures what moving pages between threads costs. */
#define POOL 256
static unsigned char *pool[POOL];
static ssize_t plen[POOL];
static int freestack[POOL], nfree, fillq[POOL + MAXCPU], qhead, qtail, readers_done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t filled_cv = PTHREAD_COND_INITIALIZER, free_cv = PTHREAD_COND_INITIALIZER;
static atomic_int tracing_off;

static void *reader(void *arg) {
    int fd = (int) (intptr_t) arg;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    for (;;) {
        pthread_mutex_lock(&mu);
        while (nfree == 0) pthread_cond_wait(&free_cv, &mu);
        int i = freestack[--nfree];
        pthread_mutex_unlock(&mu);
        int off_before = atomic_load(&tracing_off); /* an empty read after tracing was off ends the drain */
        ssize_t n = read(fd, pool[i], SUBBUF);
        if (n <= 0) {
            pthread_mutex_lock(&mu);
            freestack[nfree++] = i;
            pthread_cond_signal(&free_cv);
            pthread_mutex_unlock(&mu);
            if (off_before) break;
            poll(&pf, 1, 10);
            continue;
        }
        plen[i] = n;
        /* read before the page is queued: once queued it is the consumer's, then another reader's */
        int partial = n < 16 || u64at(pool[i] + 8) % (1ULL << 27) + 1024 < SUBBUF - 16;
        pthread_mutex_lock(&mu);
        fillq[qtail++ % (POOL + MAXCPU)] = i;
        pthread_cond_signal(&filled_cv);
        pthread_mutex_unlock(&mu);
        if (!atomic_load(&tracing_off) && partial) poll(&pf, 1, 10);
    }
    pthread_mutex_lock(&mu);
    readers_done++;
    pthread_cond_signal(&filled_cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void consume_handoff(int cpus, int *fds) {
    pthread_t t[MAXCPU];
    for (int i = 0; i < POOL; i++) { pool[i] = aligned_alloc(4096, SUBBUF); freestack[nfree++] = i; }
    for (int c = 0; c < cpus; c++) pthread_create(&t[c], NULL, reader, (void *) (intptr_t) fds[c]);
    for (;;) {
        if (atomic_load(&stop_now) && !atomic_load(&tracing_off)) {
            put("tracing_on", "0");
            atomic_store(&tracing_off, 1);
        }
        pthread_mutex_lock(&mu);
        while (qhead == qtail && readers_done < cpus && !(atomic_load(&stop_now) && !atomic_load(&tracing_off))) {
            struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 10000000;
            if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
            pthread_cond_timedwait(&filled_cv, &mu, &ts);
        }
        if (qhead == qtail && readers_done == cpus) { pthread_mutex_unlock(&mu); break; }
        int i = qhead == qtail ? -1 : fillq[qhead++ % (POOL + MAXCPU)];
        pthread_mutex_unlock(&mu);
        if (i < 0) continue;
        pages_read++;
        walk(pool[i], plen[i]);
        pthread_mutex_lock(&mu);
        freestack[nfree++] = i;
        pthread_cond_signal(&free_cv);
        pthread_mutex_unlock(&mu);
    }
    for (int c = 0; c < cpus; c++) pthread_join(t[c], NULL);
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) { fprintf(stderr, "usage: pairfloor TRACEFS CPUS [handoff]\n"); return 2; }
    int handoff = argc == 4 && strcmp(argv[3], "handoff") == 0;
    const char *T = argv[1];
    int cpus = atoi(argv[2]);
    if (cpus < 1 || cpus > MAXCPU) { fprintf(stderr, "pairfloor: bad CPU count\n"); return 2; }
    id_kmalloc = event_id(T, "kmalloc"); id_kfree = event_id(T, "kfree");
    id_calloc = event_id(T, "kmem_cache_alloc"); id_cfree = event_id(T, "kmem_cache_free");
    off_ptr_ka = field_off(T, "kmalloc", "ptr"); off_cs_ka = field_off(T, "kmalloc", "call_site");
    off_b_ka = field_off(T, "kmalloc", "bytes_alloc");
    off_ptr_ca = field_off(T, "kmem_cache_alloc", "ptr"); off_cs_ca = field_off(T, "kmem_cache_alloc", "call_site");
    off_b_ca = field_off(T, "kmem_cache_alloc", "bytes_alloc");
    off_ptr_kf = field_off(T, "kfree", "ptr"); off_ptr_cf = field_off(T, "kmem_cache_free", "ptr");
    if (id_kmalloc < 0 || id_kfree < 0 || id_calloc < 0 || id_cfree < 0 || off_ptr_ka < 0 || off_cs_ka < 0
            || off_b_ka < 0 || off_ptr_ca < 0 || off_cs_ca < 0 || off_b_ca < 0 || off_ptr_kf < 0 || off_ptr_cf < 0) {
        fprintf(stderr, "pairfloor: this kernel's kmem formats lack a field it reads\n");
        return 2;
    }
    need_ka = (uint32_t) (MAX3(off_ptr_ka, off_cs_ka, off_b_ka) + 8);
    need_ca = (uint32_t) (MAX3(off_ptr_ca, off_cs_ca, off_b_ca) + 8);
    need_kf = (uint32_t) off_ptr_kf + 8; need_cf = (uint32_t) off_ptr_cf + 8;
    tab_init(1 << 18);
    smask = (1 << 16) - 1; sites = calloc(smask + 2, sizeof *sites); /* + the overflow entry */
    snprintf(inst, sizeof inst, "%s/instances/pairfloor-%d", T, (int) getpid());
    if (mkdir(inst, 0700) != 0) { perror("pairfloor: mkdir instance"); return 1; }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);
    int rc = 0, fds[MAXCPU], opened = 0;
    struct pollfd pfd[MAXCPU];
    unsigned char *buf = aligned_alloc(4096, SUBBUF);
    put("buffer_subbuf_size_kb", "64"); /* older kernels lack it: their one-page sub-buffers fit the buffer too */
    if (put("buffer_size_kb", "46875") || put("buffer_percent", "1")
            || put("events/kmem/kmalloc/enable", "1") || put("events/kmem/kfree/enable", "1")
            || put("events/kmem/kmem_cache_alloc/enable", "1") || put("events/kmem/kmem_cache_free/enable", "1")) {
        perror("pairfloor: configure instance"); rc = 1; goto out;
    }
    for (int c = 0; c < cpus; c++) {
        char p[700];
        snprintf(p, sizeof p, "%s/per_cpu/cpu%d/trace_pipe_raw", inst, c);
        fds[c] = open(p, O_RDONLY | O_NONBLOCK);
        if (fds[c] < 0) { perror(p); rc = 1; goto out; }
        opened++;
        pfd[c].fd = fds[c]; pfd[c].events = POLLIN;
    }
    put("tracing_on", "1");
    fprintf(stderr, "pairfloor: tracing\n");
    for (int draining = 0; !handoff;) {
        int any = 0, full = 0;
        for (int c = 0; c < cpus; c++) {
            ssize_t n;
            while ((n = read(fds[c], buf, SUBBUF)) > 0) {
                pages_read++; walk(buf, n); any = 1;
                /* a page short of full is the one the kernel is writing: wait for more rather than read slivers */
                if (!draining && u64at(buf + 8) % (1ULL << 27) + 1024 < SUBBUF - 16) break;
                full = 1;
            }
        }
        if (draining && !any) break;
        if (atomic_load(&stop_now) && !draining) { put("tracing_on", "0"); draining = 1; continue; }
        if (!full && !draining) poll(pfd, cpus, 10);
    }
    if (handoff) consume_handoff(cpus, fds);
    uint64_t lost = 0, left = 0;
    for (int c = 0; c < cpus; c++) {
        char p[700];
        snprintf(p, sizeof p, "%s/per_cpu/cpu%d/stats", inst, c);
        lost += get_num(p, "overrun:") + get_num(p, "dropped events:");
        left += get_num(p, "entries:");
    }
    fprintf(stderr, "pairfloor: %llu events in %llu pages; lost by the kernel %llu, left unread %llu; allocs %llu, "
            "frees %llu, paired %llu, unpaired frees %llu, double allocations %llu, outstanding %llu at %llu call "
            "sites (%llu more folded), short records %llu, other %llu\n",
            (unsigned long long) events, (unsigned long long) pages_read, (unsigned long long) lost,
            (unsigned long long) left, (unsigned long long) allocs, (unsigned long long) frees,
            (unsigned long long) paired, (unsigned long long) unpaired, (unsigned long long) double_allocs,
            (unsigned long long) tcount, (unsigned long long) scount, (unsigned long long) folded_sites,
            (unsigned long long) short_records, (unsigned long long) other);
out:
    put("tracing_on", "0");
    for (int c = 0; c < opened; c++) close(fds[c]); /* an open pipe keeps the instance busy: rmdir would fail */
    put("events/kmem/kmalloc/enable", "0"); put("events/kmem/kfree/enable", "0");
    put("events/kmem/kmem_cache_alloc/enable", "0"); put("events/kmem/kmem_cache_free/enable", "0");
    if (rmdir(inst) != 0) { perror("pairfloor: rmdir instance"); rc = 1; }
    return rc;
}
