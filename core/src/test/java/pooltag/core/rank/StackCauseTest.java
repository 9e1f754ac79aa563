package pooltag.core.rank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The cause a stack names, from frames as 6.18 on x86-64 prints them (innermost first). */
class StackCauseTest {
    @Test
    void theOutermostSyscallWrapperNamesTheCall() {
        assertEquals("pipe2", StackCause.of(new String[] {"__kmalloc_cache_noprof", "alloc_pipe_info",
                "create_pipe_files", "do_pipe2", "__x64_sys_pipe2", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}));
    }

    @Test
    void aTailCalledWrapperIsNamedByTheFrameUnderDoSyscall64WithoutItsPrefix() {
        assertEquals("msgsnd", StackCause.of(new String[] {"__kmalloc_noprof", "load_msg", "do_msgsnd",
                "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}));
        // x86-64's mmap(2) is __x64_sys_mmap tail-calling ksys_mmap_pgoff: "mmap", not "mmap_pgoff"
        assertEquals("mmap", StackCause.of(new String[] {"kmem_cache_alloc_noprof", "vm_area_alloc", "__mmap_region",
                "mmap_region", "do_mmap", "vm_mmap_pgoff", "ksys_mmap_pgoff", "do_syscall_64",
                "entry_SYSCALL_64_after_hwframe"}));
    }

    @Test
    void kernelThreadsAndWorkersAreNamedByTheirFunction() {
        assertEquals("kworker:vmstat_update", StackCause.of(new String[] {"__kmalloc_noprof", "vmstat_update",
                "process_one_work", "worker_thread", "kthread", "ret_from_fork", "ret_from_fork_asm"}));
        assertEquals("kthread:kdamond_fn", StackCause.of(new String[] {"kmem_cache_alloc_noprof",
                "damon_split_region_at", "kdamond_fn", "kthread", "ret_from_fork"}));
        assertNull(StackCause.of(new String[] {"__kmalloc_noprof", "irq_handler"}));
    }
}
