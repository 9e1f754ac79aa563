package pooltag.core.rank;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a kernel stack (function names, innermost first, as the ledger keeps frames) for what a finding needs: the
 * system call or kernel thread that made the allocation, and the signs that it is a consequence of something else.
 * Names may be null (unsymbolized frames).
 */
final class StackCause {
    /** {@code __x64_sys_pipe2}, {@code __do_sys_timerfd_create}, {@code __se_sys_...}, {@code __ia32_sys_...}. */
    private static final Pattern SYSCALL = Pattern.compile("^__(?:x64|ia32|se|do)_sys_(\\w+)$");

    private StackCause() {
    }

    /**
     * {@code pipe2} for the outermost system-call frame, or the frame just under {@code do_syscall_64} without its
     * {@code do_}/{@code ksys_} prefix when the wrapper was a tail call; else {@code kworker:<work function>} or
     * {@code kthread:<thread function>} for a kernel thread; else null (an interrupt, or too short a stack).
     */
    static String of(String[] names) {
        for (int i = names.length - 1; i >= 0; i--) {
            if (names[i] != null) {
                Matcher m = SYSCALL.matcher(names[i]);
                if (m.matches()) {
                    return m.group(1);
                }
            }
        }
        // The syscall wrapper may be a tail call (msgsnd: do_msgsnd sits right under do_syscall_64).
        for (int i = names.length - 1; i > 0; i--) {
            if ("do_syscall_64".equals(names[i]) && names[i - 1] != null) {
                String call = names[i - 1].replaceFirst("^(?:__do_sys_|__sys_|ksys_|do_)", "");
                // x86-64's mmap(2) tail-calls ksys_mmap_pgoff: the user called mmap (a 32-bit task's mmap2 goes
                // through __ia32_sys_mmap_pgoff, which the wrapper loop above names)
                return "mmap_pgoff".equals(call) ? "mmap" : call;
            }
        }
        for (int i = names.length - 1; i > 0; i--) {
            if ("kthread".equals(names[i])) {
                String fn = names[i - 1];
                if ("worker_thread".equals(fn)) {
                    for (int j = i - 1; j > 0; j--) {
                        if ("process_one_work".equals(names[j]) && names[j - 1] != null) {
                            return "kworker:" + names[j - 1];
                        }
                    }
                }
                return fn == null ? null : "kthread:" + fn;
            }
        }
        return null;
    }

    /** An allocator's entry point: the function a call site calls to get memory. */
    static boolean isAllocator(String name) {
        return name != null && (name.startsWith("kmem_cache_alloc") || name.startsWith("__kmalloc")
                || name.startsWith("kmalloc") || name.startsWith("__kmem_cache_alloc") || name.startsWith("__kvmalloc")
                || name.startsWith("kvmalloc") || name.startsWith("krealloc") || name.startsWith("__alloc_pages")
                || name.startsWith("alloc_pages"));
    }

    /** Index of the innermost allocator frame (past the tracepoint's own frames), or -1. */
    static int firstAllocator(String[] names) {
        for (int i = 0; i < names.length; i++) {
            if (isAllocator(names[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Index of an allocator frame at or past {@code from}, or -1: the allocation was made inside another one (slab
     * pages and their metadata for a cache that grows).
     */
    static int nestedAllocator(String[] names, int from) {
        for (int i = Math.max(0, from); i < names.length; i++) {
            if (isAllocator(names[i])) {
                return i;
            }
        }
        return -1;
    }

    /** The reclaimable-object constructor at or past {@code from} (an inode or dentry being built), or null. */
    static String constructor(String[] names, int from, java.util.Set<String> constructors) {
        for (int i = Math.max(0, from); i < names.length; i++) {
            if (names[i] != null && constructors.contains(names[i])) {
                return names[i];
            }
        }
        return null;
    }
}
