package pooltag.core.rank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pooltag.core.rank.Scenario.S;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Pool;

/**
 * One leak, one finding: a pipe-like leak whose objects show up under four caches and four sites is one finding
 * named by its system call, with its reclaimable and per-slab objects folded under it as consequences; two leaks
 * are two findings; unrelated churn and a small unrelated process are not in it.
 */
class FindingsTest {
    static final long ENTRY = Scenario.named(0xffffffff82000000L, "entry_SYSCALL_64");
    static final long SYS_PIPE2 = Scenario.named(0xffffffff82001000L, "__x64_sys_pipe2");
    static final long SYS_SOCKET = Scenario.named(0xffffffff82002000L, "__x64_sys_socket");
    static final long KMALLOC = Scenario.named(0xffffffff82003000L, "__kmalloc_cache_noprof");
    static final long CACHE_ALLOC = Scenario.named(0xffffffff82004000L, "kmem_cache_alloc_noprof");
    static final long PIPE_INFO = Scenario.named(0xffffffff82005000L, "alloc_pipe_info");
    static final long EMPTY_FILE = Scenario.named(0xffffffff82006000L, "alloc_empty_file");
    static final long D_ALLOC = Scenario.named(0xffffffff82007000L, "__d_alloc");
    static final long OBJ_EXTS = Scenario.named(0xffffffff82008000L, "alloc_slab_obj_exts");
    static final long SK_ALLOC = Scenario.named(0xffffffff82009000L, "sk_prot_alloc");
    static final long CHURN = Scenario.named(0xffffffff8200a000L, "churn_site");
    static final long ALLOC_INODE = Scenario.named(0xffffffff8200d000L, "alloc_inode");
    static final long INODE_INIT = Scenario.named(0xffffffff8200e000L, "inode_init_always_gfp");
    static final long MQ_INODE = Scenario.named(0xffffffff8200f000L, "mqueue_alloc_inode");
    static final long LSM_INODE = Scenario.named(0xffffffff82010000L, "security_inode_alloc");
    static final long SYS_MQ_OPEN = Scenario.named(0xffffffff82011000L, "__x64_sys_mq_open");
    static final long EXT4_INODE = Scenario.named(0xffffffff82012000L, "ext4_alloc_inode");
    static final long SYS_OPENAT = Scenario.named(0xffffffff82013000L, "__x64_sys_openat");
    static final long[] PIPE_STACK = {KMALLOC + 8, PIPE_INFO + 0x20, SYS_PIPE2 + 0x10, ENTRY + 0x50};
    static final long[] FILE_STACK = {CACHE_ALLOC + 8, EMPTY_FILE + 0x30, SYS_PIPE2 + 0x18, ENTRY + 0x50};
    static final long[] SOCK_STACK = {CACHE_ALLOC + 8, SK_ALLOC + 0x30, SYS_SOCKET + 0x18, ENTRY + 0x50};
    static final long END = 6 * S;
    static final int LEAKER = 4242;

    /** A pipe leak by pid 4242 at 200/s from 0.5 s: 499 pipes. */
    static Scenario pipes(Scenario sc, boolean stacks) {
        int buf = sc.cache("kmalloc-cg-1k", Pool.NONPAGED, 900, false);
        int filp = sc.cache("filp", Pool.NONPAGED, 5000, false);
        int dentry = sc.cache("dentry", Pool.PAGED, 90000, false);
        int meta = sc.cache("kmalloc-512", Pool.NONPAGED, 3000, false);
        sc.workload(buf, PIPE_INFO + 0x20, 1024, S / 2, 499, 200, -1, stacks ? PIPE_STACK : null, LEAKER);
        sc.workload(filp, EMPTY_FILE + 0x30, 256, S / 2 + 1000, 998, 400, -1, stacks ? FILE_STACK : null, LEAKER);
        sc.workload(dentry, D_ALLOC + 0x10, 192, S / 2 + 2000, 499, 200, -1, null, LEAKER);
        sc.workload(meta, OBJ_EXTS + 0x10, 512, S / 2 + 3000, 31, 200 / 16.0, -1, null, LEAKER); // one per slab
        // Other processes open and close files all the time at the same site.
        sc.workload(filp, EMPTY_FILE + 0x30, 256, S / 10, 3000, 600, 2_000_000, null, 1000);
        return sc;
    }

    static Finding findingOf(HuntReport r, String causeTag) {
        return r.findings().stream().filter(f -> f.causeTag().equals(causeTag)).findFirst().orElseThrow(
                () -> new AssertionError("no finding " + causeTag + " in " + r.findings()));
    }

    @Test
    void aPipeLeakIsOneFindingNamedByItsSyscallWithConsequencesFolded() {
        Scenario sc = pipes(new Scenario(), true);
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        Finding f = r.findings().get(0);
        assertEquals("pipe2", f.cause());
        assertEquals("alloc_pipe_info", f.causeTag(), "the site specific to the leak, not the shared alloc_empty_file");
        assertEquals(LEAKER, f.pid());
        assertTrue(f.confidence() >= r.threshold(), "" + f.confidence());
        assertEquals(4, f.members().size(), f.members().toString());
        assertEquals(Finding.Role.CAUSE, f.members().get(0).role());
        assertEquals("kmalloc-cg-1k", f.members().get(0).cache());
        Finding.Member file = member(f, "alloc_empty_file");
        assertEquals(Finding.Role.COMPANION, file.role());
        assertNull(file.growsWith());
        for (String consequence : List.of("__d_alloc", "alloc_slab_obj_exts")) {
            Finding.Member m = member(f, consequence);
            assertEquals(Finding.Role.CONSEQUENCE, m.role(), m.toString());
            assertEquals("alloc_pipe_info", m.growsWith());
        }
        assertTrue(f.why().stream().anyMatch(w -> w.startsWith("growth ") && w.contains("R²")), f.why().toString());
        assertTrue(f.why().stream().anyMatch(w -> w.startsWith("companions: 1 in lockstep")), f.why().toString());
        assertEquals(PIPE_STACK[0], f.stacks().get(0).frames()[0]);
        // The same objects by cache and by site are one finding: every leaker tag is listed under it, cause first.
        assertEquals(1, r.findings().stream().filter(x -> x.pid() == LEAKER).count(), r.findings().toString());
        assertEquals("alloc_pipe_info", r.suspects().get(0).tag());
        assertEquals("kmalloc-cg-1k", r.suspects().get(1).tag());
    }

    @Test
    void withoutStacksTheSameProcessAndLockstepGrowthStillMakeOneFinding() {
        Scenario sc = pipes(new Scenario(), false);
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        Finding f = r.findings().get(0);
        assertEquals(4, f.members().size(), f.members().toString());
        assertTrue(f.cause().startsWith("pid 4242"), f.cause());
    }

    @Test
    void twoLeaksOfOneProcessWithDifferentSyscallsAreTwoFindings() {
        Scenario sc = pipes(new Scenario(), true);
        int sock = sc.cache("signal_cache", Pool.NONPAGED, 700, false);
        sc.workload(sock, SK_ALLOC + 0x30, 1216, S, 401, 100, -1, SOCK_STACK, LEAKER);
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        assertEquals("pipe2", findingOf(r, "alloc_pipe_info").cause());
        Finding socket = findingOf(r, "sk_prot_alloc");
        assertEquals("socket", socket.cause());
        assertEquals(1, socket.members().size());
    }

    @Test
    void aSlowUnrelatedProcessIsNotFoldedIntoTheLeak() {
        Scenario sc = pipes(new Scenario(), true);
        int other = sc.cache("kmalloc-128", Pool.NONPAGED, 4000, false);
        sc.workload(other, CHURN + 8, 128, 3 * S, 40, 20, -1, null, 777);
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        Finding f = findingOf(r, "churn_site");
        assertEquals(777, f.pid());
        assertTrue(findingOf(r, "alloc_pipe_info").members().stream().noneMatch(m -> m.site().equals("churn_site")));
    }

    @Test
    void lsmBlobsOfAFileScanByManyProcessesFoldUnderThePagedInodesAndAreNoLeak() {
        Scenario sc = new Scenario();
        int inode = sc.cache("ext4_inode_cache", Pool.PAGED, 50000, false);
        int lsm = sc.cache("lsm_inode_cache", Pool.NONPAGED, 60000, false);
        long inodeSite = Scenario.named(0xffffffff8200b000L, "ext4_alloc_inode") + 8;
        long lsmSite = Scenario.named(0xffffffff8200c000L, "security_inode_alloc") + 8;
        for (int p = 0; p < 3; p++) { // three scanners, none holding a majority
            sc.workload(inode, inodeSite, 1128, S / 2 + p * 1_000_000L, 400, 100, -1, null, 500 + p);
            sc.workload(lsm, lsmSite, 32, S / 2 + p * 1_000_000L + 500, 400, 100, -1, null, 500 + p);
        }
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        Finding f = r.findings().stream().filter(x -> x.members().stream().anyMatch(m -> m.site().equals(
                "security_inode_alloc"))).findFirst().orElseThrow();
        assertEquals(-1, f.pid());
        assertEquals(Finding.Role.CONSEQUENCE, member(f, "security_inode_alloc").role(), f.members().toString());
        assertEquals(2, f.members().size(), f.members().toString());
        assertTrue(f.confidence() < r.threshold(), "" + f.confidence());
        assertTrue(r.leakFindings().isEmpty(), r.leakFindings().toString());
    }

    @Test
    void slabMetadataOfAFileScanFollowsItsPagedObjectsAndIsNoLeak() {
        Scenario sc = new Scenario();
        int dentry = sc.cache("dentry", Pool.PAGED, 90000, false);
        int meta = sc.cache("kmalloc-512", Pool.NONPAGED, 3000, false);
        long dSite = D_ALLOC + 0x10;
        sc.workload(dentry, dSite, 192, S / 2, 900, 200, -1, null, 900);
        for (int slab = 0; slab < 28; slab++) { // one metadata object per 32 dentries: a step per slab
            sc.workload(meta, OBJ_EXTS + 0x10, 512, S / 2 + slab * 160_000_000L + 1000, 1, 1, -1, null, 900);
        }
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        Finding f = r.findings().stream().filter(x -> x.members().stream().anyMatch(m -> m.site().equals(
                "alloc_slab_obj_exts"))).findFirst().orElseThrow();
        assertEquals(2, f.members().size(), f.members().toString());
        assertEquals(Finding.Role.CONSEQUENCE, member(f, "alloc_slab_obj_exts").role(), f.members().toString());
        assertTrue(f.confidence() < r.threshold(), "" + f.confidence());
        assertTrue(r.leaks().isEmpty(), r.leaks().toString());
    }

    /**
     * The pipe leak's 998 files are under half of a busy machine's {@code filp / alloc_empty_file} cell: ten other
     * processes hold 150 long-lived files each there. The leaker's share of that cell still joins its finding (it
     * owns {@code alloc_pipe_info}), counted as its own files only; the cell is not a second finding named by the
     * leak's system call with no process (3 s verdicts: pipe, unix and udp leaks lost rank 1 to such a finding).
     */
    @Test
    void aLeaksShareOfACellOtherProcessesMostlyFillJoinsItsFinding() {
        Scenario sc = pipes(new Scenario(), true);
        int filp = sc.cache("filp", Pool.NONPAGED, 5000, false);
        for (int p = 0; p < 10; p++) {
            sc.workload(filp, EMPTY_FILE + 0x30, 256, S / 4 + p * 1000, 150, 300, -1, null, 2000 + p);
        }
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        Finding f = r.findings().get(0);
        assertEquals("pipe2", f.cause());
        assertEquals(LEAKER, f.pid());
        Finding.Member file = member(f, "alloc_empty_file");
        assertEquals(998, file.outstanding(), "the leaker's files, not the other processes' 1,500");
        assertEquals(1, r.findings().stream().filter(x -> x.cause().equals("pipe2")).count(), r.findings().toString());
        // The other processes' files are still ranked: as their own cell, no process holding a majority of it.
        assertTrue(r.findings().stream().anyMatch(x -> x.pid() == -1 && x.members().stream().anyMatch(
                m -> m.site().equals("alloc_empty_file") && m.outstanding() == 1500)), r.findings().toString());
    }

    /**
     * A POSIX message queue leak: each queue is an inode of {@code mqueue_inode_cache}, which the kernel cannot
     * reclaim while the queue exists (no {@code reclaim_account}). {@code alloc_inode} on its stack is the call that
     * makes the inode itself, not a sign that it lives with one: the inode is judged by its own cache and leads the
     * finding. Its LSM blob (made inside {@code inode_init_always_gfp}) still grows with it, and an ext4 inode read in
     * by a lookup is still reclaimable (its cache is Paged). Live, the mq verdicts stayed at 0.62-0.78 because the
     * queues' inodes were discounted as reclaimable (3 of 10 in 3 s).
     */
    @Test
    void aNonReclaimableInodeIsTheLeaksObjectNotAConsequence() {
        Scenario sc = new Scenario().policy(new pooltag.core.ledger.TagPolicy(java.util.Set.of(),
                java.util.Set.of("alloc_inode", "inode_init_always_gfp", "__d_alloc"), java.util.Set.of("alloc_inode")));
        int mq = sc.cache("mqueue_inode_cache", Pool.NONPAGED, 150, false);
        int lsm = sc.cache("lsm_inode_cache", Pool.NONPAGED, 5000, false);
        int ext4 = sc.cache("ext4_inode_cache", Pool.PAGED, 20000, false);
        long[] mqStack = {CACHE_ALLOC + 8, MQ_INODE + 0x10, ALLOC_INODE + 0x20, SYS_MQ_OPEN + 0x30, ENTRY + 0x50};
        long[] lsmStack = {CACHE_ALLOC + 8, LSM_INODE + 0x10, INODE_INIT + 0x20, ALLOC_INODE + 0x30,
                SYS_MQ_OPEN + 0x30, ENTRY + 0x50};
        long[] ext4Stack = {CACHE_ALLOC + 8, EXT4_INODE + 0x10, ALLOC_INODE + 0x20, SYS_OPENAT + 0x30, ENTRY + 0x50};
        sc.workload(mq, MQ_INODE + 0x10, 960, S / 2, 499, 200, -1, mqStack, LEAKER);
        sc.workload(lsm, LSM_INODE + 0x10, 32, S / 2 + 1000, 499, 200, -1, lsmStack, LEAKER);
        sc.workload(ext4, EXT4_INODE + 0x10, 1128, S / 2, 499, 200, -1, ext4Stack, 4343);
        HuntReport r = SuspectRanker.rank(sc.run(END), sc.procfs(S / 4, END), END, RankOptions.defaults());
        Finding f = findingOf(r, "mqueue_alloc_inode");
        assertEquals("mq_open", f.cause());
        assertEquals(LEAKER, f.pid());
        assertTrue(f.confidence() >= r.threshold(), "" + f.confidence());
        assertEquals(Finding.Role.CAUSE, member(f, "mqueue_alloc_inode").role());
        assertEquals(Finding.Role.CONSEQUENCE, member(f, "security_inode_alloc").role(), f.members().toString());
        Finding scan = findingOf(r, "ext4_alloc_inode");
        assertTrue(scan.confidence() < r.threshold(), "a Paged inode read in is no leak: " + scan.confidence());
        Suspect mqSite = r.suspects().stream().filter(s -> s.tag().equals("mqueue_alloc_inode")).findFirst()
                .orElseThrow();
        assertTrue(mqSite.evidence().notes().stream().noneMatch(n -> n.startsWith("allocated while constructing")),
                mqSite.evidence().notes().toString());
        Suspect lsmSite = r.suspects().stream().filter(s -> s.tag().equals("security_inode_alloc")).findFirst()
                .orElseThrow();
        assertTrue(lsmSite.evidence().notes().stream().anyMatch(n -> n.startsWith("allocated while constructing")),
                lsmSite.evidence().notes().toString());
    }

    static Finding.Member member(Finding f, String site) {
        return f.members().stream().filter(m -> m.site().equals(site)).findFirst()
                .orElseThrow(() -> new AssertionError("no member " + site + " in " + f.members()));
    }

    /**
     * A 3 s hunt armed its stacks 1.2 s into a leak begun 1 s in: every stacked survivor is younger than the age
     * threshold (0.75 s). The finding is still named by the syscall on them; maturity decides what is evidence of
     * growth, not which call makes the objects.
     */
    @Test
    void aFindingIsNamedByStacksYoungerThanTheAgeThreshold() {
        long end = 3 * S;
        Scenario sc = new Scenario();
        int buf = sc.cache("kmalloc-cg-1k", Pool.NONPAGED, 230, false);
        sc.workload(buf, PIPE_INFO + 0x20, 1024, S, 60, 50, -1, null, LEAKER);
        sc.workload(buf, PIPE_INFO + 0x20, 1024, S + 6 * S / 5, 40, 50, -1, PIPE_STACK, LEAKER);
        HuntReport r = SuspectRanker.rank(sc.run(end), sc.procfs(S / 2, end, 1, 128), end, RankOptions.defaults());
        Finding f = findingOf(r, "alloc_pipe_info");
        assertEquals("pipe2", f.cause());
        assertEquals(LEAKER, f.pid());
        assertTrue(f.confidence() >= 0.8, "" + f.confidence());

        Scenario unarmed = new Scenario();
        int b2 = unarmed.cache("kmalloc-cg-1k", Pool.NONPAGED, 230, false);
        unarmed.workload(b2, PIPE_INFO + 0x20, 1024, S, 100, 50, -1, null, LEAKER);
        HuntReport r2 = SuspectRanker.rank(unarmed.run(end), unarmed.procfs(S / 2, end, 1, 128), end,
                RankOptions.defaults());
        assertTrue(findingOf(r2, "alloc_pipe_info").cause().startsWith("pid 4242"), findingOf(r2, "alloc_pipe_info").cause());
    }
}
