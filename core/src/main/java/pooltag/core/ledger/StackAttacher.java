package pooltag.core.ledger;

import java.util.Arrays;

import pooltag.core.event.AllocEvent;

/**
 * Attaches each STACK event to the allocation it belongs to, interns its frames once in the {@link StackTable} and
 * keeps the stack tags in step. The stacktrace trigger writes a stack right after its event on the same CPU, but an
 * interrupt's event may slip in between: so each CPU keeps a ring of its last {@value #RING} allocations and frees,
 * and a stack goes to the newest of them with the same pid. An interrupt that runs with the pid of the task it
 * interrupted cannot be told apart (the event view carries no irq flag); its stack would then go to the newer event.
 * Writer thread only; no allocation per event once the ring and tables have grown.
 *
 * <p>Invariants: a ring entry is used at most once (a stack consumes it). Stack ids and stack tag ids are the same
 * dense numbers, whether the stack was attached, belonged to a free, or belonged to a failed allocation. A ring
 * entry's slot is a hint only: the table may have moved the entry since ({@link OutstandingTable#remove} shifts
 * others), so the address is re-checked and the slot looked up again when it moved.
 */
final class StackAttacher {
    /** How many recent events per CPU a STACK event may reach back over to find its event (same pid). */
    static final int RING = 4;
    private static final int TYPE_NONE = 0;

    private final OutstandingTable table;
    private final TagRegistry tags;
    private final StackTable stacks = new StackTable();

    // Per-CPU ring of the last RING allocs/frees. Index cpu * RING + k; ringHead[cpu] is the next k to write.
    private int[] ringType = new int[0];
    private int[] ringPid = new int[0];
    private long[] ringAddr = new long[0];
    private int[] ringSlot = new int[0];
    private int[] ringHead = new int[0];

    private long attached;
    private long freeStacks;
    private long unattached;

    StackAttacher(OutstandingTable table, TagRegistry tags) {
        this.table = table;
        this.tags = tags;
    }

    StackTable stacks() {
        return stacks;
    }

    /** Stacks attached to an outstanding allocation. */
    long attached() {
        return attached;
    }

    /** Stacks that belonged to a free: interned, attached to nothing. */
    long freeStacks() {
        return freeStacks;
    }

    /** Stacks with no recent event of their pid on their CPU, or whose allocation failed or was already freed. */
    long unattached() {
        return unattached;
    }

    /**
     * Notes an allocation or free on {@code cpu}, which the next stack of the same pid there may belong to.
     *
     * @param addr 0 for a failed or zero-size allocation (its stack is interned, not attached)
     * @param slot the allocation's slot in the table, -1 for a free or a failed allocation
     */
    void remember(int cpu, int type, int pid, long addr, int slot) {
        if (cpu >= ringHead.length) {
            growRing(cpu);
        }
        int head = ringHead[cpu];
        int r = cpu * RING + head;
        ringType[r] = type;
        ringPid[r] = pid;
        ringAddr[r] = addr;
        ringSlot[r] = slot;
        ringHead[cpu] = (head + 1) & (RING - 1);
    }

    /** A loss on {@code cpu} breaks adjacency there: the next stack must not attach to an event before the gap. */
    void forget(int cpu) {
        if (cpu >= 0 && cpu < ringHead.length) {
            Arrays.fill(ringType, cpu * RING, cpu * RING + RING, TYPE_NONE);
        }
    }

    void onStack(AllocEvent e) {
        int cpu = e.cpu();
        if (cpu >= ringHead.length) {
            unattached++;
            return;
        }
        int pid = e.pid();
        int head = ringHead[cpu];
        int base = cpu * RING;
        for (int k = 1; k <= RING; k++) {
            int r = base + ((head - k) & (RING - 1));
            int type = ringType[r];
            if (type == TYPE_NONE || ringPid[r] != pid) {
                continue;
            }
            ringType[r] = TYPE_NONE;
            long a = ringAddr[r];
            if (type == AllocEvent.FREE) {
                intern(e);
                freeStacks++;
                return;
            }
            if (a == 0) {
                // The stack of a failed or zero-size allocation: nothing outstanding to attach it to.
                intern(e);
                unattached++;
                return;
            }
            OutstandingTable t = table;
            int slot = ringSlot[r];
            if (slot < 0 || t.address(slot) != a) {
                slot = t.find(a); // a removal since may have shifted it
            }
            if (slot < 0) {
                unattached++; // freed (or evicted) before its stack came
                return;
            }
            int id = intern(e);
            t.setStack(slot, id);
            tags.allocStack(id, tags.pool(t.cache(slot)), t.size(slot));
            attached++;
            return;
        }
        unattached++;
    }

    private int intern(AllocEvent e) {
        int before = stacks.size();
        int id = stacks.intern(e);
        if (id == before) {
            tags.stacks.add(stacks.tag(id)); // a new stack: its tag gets the same dense id
        }
        return id;
    }

    /** Interns frames from a source that is not an event stream (a Windows transcript); returns the stack id. */
    int intern(long[] frames) {
        int before = stacks.size();
        int id = stacks.intern(frames, frames.length);
        if (id == before) {
            tags.stacks.add(stacks.tag(id));
        }
        return id;
    }

    private void growRing(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("negative cpu " + cpu);
        }
        int cpus = Math.max(cpu + 1, ringHead.length * 2);
        ringType = Arrays.copyOf(ringType, cpus * RING);
        ringPid = Arrays.copyOf(ringPid, cpus * RING);
        ringAddr = Arrays.copyOf(ringAddr, cpus * RING);
        ringSlot = Arrays.copyOf(ringSlot, cpus * RING);
        ringHead = Arrays.copyOf(ringHead, cpus);
    }
}
