package pooltag.cli.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import pooltag.core.snapshot.Loss;
import pooltag.engine.hit.Break;
import pooltag.engine.hit.HitService;
import pooltag.core.snapshot.Pool;
import pooltag.engine.hit.LiveHitService;
import pooltag.engine.hunt.HuntService;
import pooltag.engine.hunt.LiveHuntService;
import pooltag.engine.publish.WebServices;

/**
 * Test doubles for the hit and hunt services: they let the tests drive the page's views with exact, synthetic data
 * and no root. The product never uses them (pooltag serve wires {@link LiveHitService} and {@link LiveHuntService};
 * {@link WebPageHitLiveTest} drives the real hit view).
 */
final class FakeServices {
    private FakeServices() {
    }

    /** Records arm/clear calls; after arming, reports two hits on the armed tag. */
    static final class Hit implements HitService {
        final List<String> calls = new ArrayList<>();
        private String armed;
        /** When set, status polls fail with it, as a hit whose tracing session died does. */
        volatile String failure;

        @Override
        public synchronized Status arm(String tag) {
            calls.add("arm " + tag);
            armed = tag;
            return status();
        }

        @Override
        public synchronized Status clear() {
            calls.add("clear");
            armed = null;
            return status();
        }

        @Override
        public synchronized Status status() {
            if (failure != null) {
                throw new pooltag.core.error.PooltagException(failure);
            }
            return new Status(armed, armed == null ? 0 : 2, new Loss(3, 0, 0, false));
        }

        @Override
        public synchronized List<Break> hitsAfter(long after, int max) {
            if (armed == null) {
                return List.of();
            }
            List<Break> all = List.of(
                    new Break(1, Break.Kind.ALLOC, armed, 1_000, 0, 1, 4242, "leaker", 0xffff888012345010L, 0, 256, -1,
                            Pool.NONPAGED, List.of("kmem_cache_alloc_noprof+0x1a4/0x4c0", "alloc_empty_file+0x53/0x110",
                                    "create_pipe_files+0x8f/0x230", "__do_pipe_flags+0x31/0xf0", "do_pipe2+0x2e/0xc0"), true),
                    new Break(2, Break.Kind.FREE, armed, 2_000, 1_000, 0, 4242, "leaker", 0xffff888012345010L, 0, 0, -1,
                            Pool.NONPAGED, List.of("kmem_cache_free+0x2b1/0x3e0", "__fput+0x133/0x2b0"), true));
            return all.stream().filter(h -> h.seq() > after).limit(max).toList();
        }
    }

    /** A fixed report: two suspects, outstanding stacks sharing the syscall entry. */
    static final class Hunt implements HuntService {
        final List<String> starts = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public Report start() {
            starts.add("start");
            return report();
        }

        @Override
        public boolean running() {
            return false;
        }

        static final List<StackBytes> STACKS = List.of(
                new StackBytes(List.of("entry_SYSCALL_64", "do_syscall_64", "__x64_sys_pipe2", "do_pipe2",
                        "create_pipe_files", "alloc_file_pseudo", "alloc_empty_file"), 9973 * 2, 9973L * 2 * 256),
                new StackBytes(List.of("entry_SYSCALL_64", "do_syscall_64", "__x64_sys_pipe2", "do_pipe2",
                        "__do_pipe_flags", "alloc_pipe_info"), 9973, 9973L * 1024),
                new StackBytes(List.of("entry_SYSCALL_64", "do_syscall_64", "__x64_sys_inotify_add_watch",
                        "inotify_new_watch"), 101, 101L * 96));

        @Override
        public Report report() {
            return new Report(61_000_000_000L, List.of(
                    new Suspect("kmalloc-cg-1k", "cache", "NonPaged", 9973, 9973L * 1024, 167_000, 0.93, null, ""),
                    new Suspect("filp", "cache", "NonPaged", 19946, 19946L * 256, 83_700, 0.93, null, "")),
                    STACKS, Loss.NONE,
                    "1 leak found at or above confidence 0.50", true,
                    List.of("Note: 3 allocations at an address still outstanding: frees the kernel does not trace"
                            + " (kfree_rcu, bulk frees) or lost; the stale entries were dropped"));
        }
    }

    static WebServices with(Hit hit, Hunt hunt) {
        return new WebServices(Optional.ofNullable(hit), Optional.ofNullable(hunt), Optional.empty());
    }
}
