package pooltag.core.ledger;

import pooltag.core.event.AllocEvent;

/**
 * Which cgroup an allocation is charged to, for {@code --tag-by cgroup}: the cgroup of the task that made it, or a
 * context of its own ({@code [hardirq]}, {@code [softirq]}, {@code [kernel thread]}, ...). The Linux side resolves a
 * pid once (its {@code /proc/<pid>/cgroup}) and answers from a primitive map after that; a recording answers from
 * the pid-to-cgroup table it carries. Ids are dense, from 0, stable for the session; the ledger maps them onto its
 * own tag ids and asks {@link #path} once per id.
 */
public interface CgroupResolver {
    /**
     * The cgroup id of the task behind this allocation. Writer thread, once per allocation: no allocation and no
     * I/O once the task is known.
     */
    int cgroupOf(AllocEvent e);

    /**
     * A task was created ({@link AllocEvent#NEW_TASK}), in event order with the allocations: a resolver that follows
     * task creation knows the new task's cgroup from its creator's without reading anything about it later. By
     * default nothing (a recording answers from the decisions it carries). Writer thread.
     */
    default void onNewTask(AllocEvent e) {
    }

    /**
     * A task was moved into a cgroup ({@link AllocEvent#TASK_MOVE}), in event order: its later allocations are the new
     * cgroup's. By default nothing. Writer thread.
     */
    default void onTaskMove(AllocEvent e) {
    }

    /** The cgroup's path in its hierarchy ({@code /kubepods/pod1/abc}) or the context's name ({@code [softirq]}). */
    String path(int id);
}
