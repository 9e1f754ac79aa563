package pooltag.linux.kmem;

import pooltag.core.event.AllocEvent;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.ring.EventFormat;
import pooltag.linux.ring.Le;
import pooltag.linux.ring.TraceSchema;
import pooltag.linux.tracefs.TracefsInstance;

/**
 * Turns one record payload into the reusable {@link EventView}. Event ids and field offsets come from the session's
 * {@link TraceSchema} and are resolved into int arrays at construction; per record the decoder does one array
 * lookup on the id and fixed-offset little-endian reads. No allocation per record (cache names are interned by
 * bytes; a String is made only for a name seen for the first time).
 *
 * <p>Records shorter than their format, or with a {@code __data_loc} pointing outside the record, are not decoded:
 * {@link #decode} returns {@link #MALFORMED} and the caller counts them as skipped.
 */
public final class KmemDecoder {
    public static final int KIND_NONE = 0;
    public static final int KIND_KMALLOC = 1;
    public static final int KIND_KFREE = 2;
    public static final int KIND_CACHE_ALLOC = 3;
    public static final int KIND_CACHE_FREE = 4;
    public static final int KIND_PAGE_ALLOC = 5;
    public static final int KIND_PAGE_FREE = 6;
    public static final int KIND_PERCPU_ALLOC = 7;
    public static final int KIND_PERCPU_FREE = 8;
    public static final int KIND_STACK = 9;
    /** {@code task/task_newtask}: a task was created (for {@code --tag-by cgroup}). */
    public static final int KIND_NEW_TASK = 10;
    /** {@code cgroup/cgroup_attach_task}: a task was moved into a cgroup (for {@code --tag-by cgroup}). */
    public static final int KIND_TASK_MOVE = 11;
    public static final int KINDS = 12;

    /** {@code system/name} of each kind, index = kind. */
    public static final String[] EVENT_KEYS = {
            null, "kmem/kmalloc", "kmem/kfree", "kmem/kmem_cache_alloc", "kmem/kmem_cache_free",
            "kmem/mm_page_alloc", "kmem/mm_page_free", "percpu/percpu_alloc_percpu", "percpu/percpu_free_percpu",
            "ftrace/kernel_stack", "task/task_newtask",
            "cgroup/cgroup_attach_task"};

    /**
     * The allocation kinds whose events have a {@code _node} twin on kernels before 6.1
     * ({@link TracefsInstance#nodeTwinOf}): a twin's records decode as its kind's when its fields sit where the kind's
     * do (the kernel declares both from one field list, the twin with {@code node} after them); otherwise the twin is
     * {@link #unsupported}, and a session whose kernel has it fails rather than miss those allocations.
     */
    private static final int[] KINDS_WITH_TWINS = {KIND_KMALLOC, KIND_CACHE_ALLOC};
    /** The twins' event keys, in the order of {@link #KINDS_WITH_TWINS}: the formats a session also reads. */
    public static final String[] TWIN_KEYS = {TracefsInstance.nodeTwinOf(EVENT_KEYS[KIND_KMALLOC]),
            TracefsInstance.nodeTwinOf(EVENT_KEYS[KIND_CACHE_ALLOC])};

    /** The allocation type and source of each kind {@link #decode} leaves lazy (kmem and percpu), index = kind. */
    private static final int[] TYPE_OF_KIND = new int[KINDS], SOURCE_OF_KIND = new int[KINDS];

    static {
        for (int k : new int[] {KIND_KMALLOC, KIND_CACHE_ALLOC, KIND_PERCPU_ALLOC}) {
            TYPE_OF_KIND[k] = AllocEvent.ALLOC;
        }
        for (int k : new int[] {KIND_KFREE, KIND_CACHE_FREE, KIND_PERCPU_FREE}) {
            TYPE_OF_KIND[k] = AllocEvent.FREE;
        }
        SOURCE_OF_KIND[KIND_KMALLOC] = SOURCE_OF_KIND[KIND_KFREE] = AllocEvent.SOURCE_KMALLOC;
        SOURCE_OF_KIND[KIND_CACHE_ALLOC] = SOURCE_OF_KIND[KIND_CACHE_FREE] = AllocEvent.SOURCE_KMEM_CACHE;
        SOURCE_OF_KIND[KIND_PERCPU_ALLOC] = SOURCE_OF_KIND[KIND_PERCPU_FREE] = AllocEvent.SOURCE_PERCPU;
    }

    /** Results of {@link #decode}. */
    public static final int DECODED = 1;
    public static final int OTHER_EVENT = 0;
    public static final int MALFORMED = -1;

    /** Page frames are 4 KiB on the kernels we support (x86_64, 4K-page arm64): address = pfn << 12. */
    static final int PAGE_SHIFT = 12;

    private static final int COMMON_PID_OFFSET = 4;
    /** {@code common_flags}: u8 at 2 (irq context bits), in every event's format since 2.6. */
    private static final int COMMON_FLAGS_OFFSET = 2;

    private final byte[] kindById = new byte[65536];
    private final int[] idOfKind = new int[KINDS];
    private final NameTable names;

    // Per kind: offset and size of each field, -1 when the event lacks it. Offsets are from the payload start.
    private final int[] minLen = new int[KINDS];
    private final int[] callSiteOff = filled(), callSiteSize = new int[KINDS];
    private final int[] ptrOff = filled(), ptrSize = new int[KINDS];
    private final int[] reqOff = filled(), reqSize = new int[KINDS];
    private final int[] allocOff = filled(), allocSize = new int[KINDS];
    private final int[] gfpOff = filled(), gfpSize = new int[KINDS];
    private final int[] nameOff = filled();
    private final boolean[] nameRel = new boolean[KINDS];
    private final int[] orderOff = filled(), orderSize = new int[KINDS];
    /** {@code bool accounted} (kmem_cache_alloc since 6.1), -1 when absent: optional, the GFP flags stand in. */
    private final int[] accountedOff = filled();
    /**
     * The task an event is about (s32): task_newtask's new task, cgroup_attach_task's moved task; and task_newtask's
     * clone flags (u64; unsigned long on older kernels).
     */
    private final int[] taskPidOff = filled();
    private final int[] cloneFlagsOff = filled(), cloneFlagsSize = new int[KINDS];
    /** cgroup_attach_task's {@code dst_root}: the hierarchy id (s32). */
    private final int[] hierarchyOff = filled();
    /** Per kind: the end of the format's last fixed field (where a {@code __data_loc} string may start), 0 when absent. */
    private final int[] fixedLen = new int[KINDS];
    private int stackSizeOff = -1;
    private int stackFramesOff = -1;
    private final java.util.Map<String, String> unsupported = new java.util.LinkedHashMap<>();

    public KmemDecoder(TraceSchema schema, NameTable names) {
        this.names = names;
        for (int kind = 1; kind < KINDS; kind++) {
            EventFormat f = schema.event(EVENT_KEYS[kind]);
            if (f == null) {
                idOfKind[kind] = -1;
                continue;
            }
            try {
                minLen[kind] = resolve(f, kind);
            } catch (DecodeException e) {
                // this kernel's event lacks a field we read: the kind is not decoded (a session that enables it
                // fails with this reason; one that does not is unaffected)
                idOfKind[kind] = -1;
                unsupported.put(EVENT_KEYS[kind], e.getMessage());
                continue;
            }
            idOfKind[kind] = f.id();
            kindById[f.id()] = (byte) kind;
            for (EventFormat.Field fl : f.fields().values()) {
                fixedLen[kind] = Math.max(fixedLen[kind], fl.offset() + fl.size());
            }
        }
        for (int i = 0; i < TWIN_KEYS.length; i++) {
            EventFormat twin = schema.event(TWIN_KEYS[i]);
            if (twin != null) {
                adoptTwin(twin, TWIN_KEYS[i], KINDS_WITH_TWINS[i]);
            }
        }
    }

    /**
     * Decodes {@code twin}'s records as {@code kind}'s when every field the kind reads sits at the same offset with the
     * same size, so the per-kind offsets stay one set; else records the twin as unsupported.
     */
    private void adoptTwin(EventFormat twin, String key, int kind) {
        if (idOfKind[kind] < 0) {
            unsupported.put(key, "its kind (" + EVENT_KEYS[kind] + ") is not decoded on this kernel");
            return;
        }
        int[][] perKind = {callSiteOff, callSiteSize, ptrOff, ptrSize, reqOff, reqSize, allocOff, allocSize, gfpOff,
                gfpSize, nameOff, accountedOff};
        int[] before = new int[perKind.length];
        for (int a = 0; a < perKind.length; a++) {
            before[a] = perKind[a][kind];
        }
        boolean relBefore = nameRel[kind];
        int minBefore = minLen[kind];
        String mismatch = null;
        try {
            resolve(twin, kind);
            for (int a = 0; a < perKind.length && mismatch == null; a++) {
                if (perKind[a][kind] != before[a]) {
                    mismatch = "its fields do not sit where " + EVENT_KEYS[kind] + "'s do";
                }
            }
            if (mismatch == null && nameRel[kind] != relBefore) {
                mismatch = "its cache name is stored otherwise than " + EVENT_KEYS[kind] + "'s";
            }
        } catch (DecodeException e) {
            mismatch = e.getMessage();
        } finally {
            for (int a = 0; a < perKind.length; a++) {
                perKind[a][kind] = before[a];
            }
            nameRel[kind] = relBefore;
            minLen[kind] = minBefore;
        }
        if (mismatch != null) {
            unsupported.put(key, mismatch);
            return;
        }
        kindById[twin.id()] = (byte) kind;
    }

    /** Resolves the offsets of one kind's fields; returns the minimum payload length. */
    private int resolve(EventFormat f, int kind) {
        int need = 8;
        switch (kind) {
            case KIND_KMALLOC, KIND_CACHE_ALLOC -> {
                need = field(f, "call_site", kind, callSiteOff, callSiteSize, need);
                need = field(f, "ptr", kind, ptrOff, ptrSize, need);
                need = field(f, "bytes_req", kind, reqOff, reqSize, need);
                need = field(f, "bytes_alloc", kind, allocOff, allocSize, need);
                need = field(f, "gfp_flags", kind, gfpOff, gfpSize, need);
                if (kind == KIND_CACHE_ALLOC) {
                    need = optionalNameField(f, kind, need);
                    EventFormat.Field acc = f.field("accounted");
                    if (acc != null && acc.size() == 1) {
                        accountedOff[kind] = acc.offset();
                        need = Math.max(need, acc.offset() + 1);
                    }
                }
            }
            case KIND_KFREE, KIND_CACHE_FREE -> {
                need = field(f, "call_site", kind, callSiteOff, callSiteSize, need);
                need = field(f, "ptr", kind, ptrOff, ptrSize, need);
                if (kind == KIND_CACHE_FREE) {
                    need = optionalNameField(f, kind, need);
                }
            }
            case KIND_PAGE_ALLOC, KIND_PAGE_FREE -> {
                need = field(f, "pfn", kind, ptrOff, ptrSize, need);
                need = field(f, "order", kind, orderOff, orderSize, need);
                if (kind == KIND_PAGE_ALLOC) {
                    need = field(f, "gfp_flags", kind, gfpOff, gfpSize, need);
                }
            }
            case KIND_PERCPU_ALLOC -> {
                need = field(f, "call_site", kind, callSiteOff, callSiteSize, need);
                need = field(f, "ptr", kind, ptrOff, ptrSize, need);
                need = field(f, "size", kind, reqOff, reqSize, need);
                need = field(f, "bytes_alloc", kind, allocOff, allocSize, need);
                need = field(f, "gfp_flags", kind, gfpOff, gfpSize, need);
            }
            case KIND_PERCPU_FREE -> need = field(f, "ptr", kind, ptrOff, ptrSize, need);
            case KIND_NEW_TASK -> {
                need = int32Field(f, "pid", kind, taskPidOff, need);
                need = field(f, "clone_flags", kind, cloneFlagsOff, cloneFlagsSize, need);
            }
            case KIND_TASK_MOVE -> {
                need = int32Field(f, "pid", kind, taskPidOff, need);
                need = int32Field(f, "dst_root", kind, hierarchyOff, need);
                need = nameField(f, kind, "dst_path", need);
            }
            case KIND_STACK -> {
                EventFormat.Field size = f.require("size");
                EventFormat.Field caller = f.require("caller");
                stackSizeOff = size.offset();
                stackFramesOff = caller.offset();
                // frames may be fewer than the 8 the format shows; the size field must be inside the payload
                need = Math.max(caller.offset(), size.offset() + 4);
            }
            default -> throw new IllegalStateException();
        }
        return need;
    }

    /** Events whose format this decoder cannot read, with the reason ({@code system/name} to message). */
    public java.util.Map<String, String> unsupported() {
        return java.util.Collections.unmodifiableMap(unsupported);
    }

    private static int[] filled() {
        int[] a = new int[KINDS];
        java.util.Arrays.fill(a, -1);
        return a;
    }

    /** A number field (1, 2, 4 or 8 bytes: any other width would read as 0); its offset and size into the arrays. */
    private static int field(EventFormat f, String name, int kind, int[] off, int[] size, int need) {
        EventFormat.Field fl = f.require(name);
        int w = fl.size();
        if (w != 1 && w != 2 && w != 4 && w != 8) {
            throw new DecodeException(f.system() + "/" + f.name() + "/format", 0, "field '" + name + "' is "
                    + w + " bytes; a number is 1, 2, 4 or 8");
        }
        off[kind] = fl.offset();
        size[kind] = fl.size();
        return Math.max(need, fl.offset() + fl.size());
    }

    /** A field that must be a 4-byte int; its offset into {@code off[kind]}. */
    private static int int32Field(EventFormat f, String name, int kind, int[] off, int need) {
        EventFormat.Field fl = f.require(name);
        if (fl.size() != 4) {
            throw new DecodeException(f.system() + "/" + f.name() + "/format", 0, "field '" + name + "' is "
                    + fl.size() + " bytes, not 4");
        }
        off[kind] = fl.offset();
        return Math.max(need, fl.offset() + 4);
    }

    /**
     * The cache's name of kmem_cache_alloc (Linux 6.2 on: Debian 12's 6.1.176 has none, seen live) and kmem_cache_free
     * (5.12 on); older kernels' events do not carry it: {@link #nameOff} stays -1 and their records decode with no
     * cache id, so the ledger names the allocation's cache by its object and slot sizes
     * ({@link pooltag.core.ledger.CacheCatalog#cacheOfSizes}); a free is charged to its allocation's tags whatever it
     * carries.
     */
    private int optionalNameField(EventFormat f, int kind, int need) {
        if (f.field("name") == null) {
            nameOff[kind] = -1;
            return need;
        }
        return nameField(f, kind, "name", need);
    }

    /** A {@code __data_loc} string (a cache's name, a cgroup's path): kept in {@link #nameOff}. */
    private int nameField(EventFormat f, int kind, String name, int need) {
        EventFormat.Field fl = f.require(name);
        nameOff[kind] = fl.offset();
        nameRel[kind] = fl.relLoc();
        return Math.max(need, fl.offset() + 4);
    }

    /** The kind of an event id, {@link #KIND_NONE} for ids the session does not decode. */
    public int kindOf(int eventId) {
        return eventId >= 0 && eventId < kindById.length ? kindById[eventId] : KIND_NONE;
    }

    /** The tracepoint id of a kind in this schema, or -1 when not loaded. */
    public int idOf(int kind) {
        return idOfKind[kind];
    }

    public NameTable names() {
        return names;
    }

    /**
     * Decodes the record payload {@code b[off, off+len)} into {@code v}.
     *
     * @return {@link #DECODED}, {@link #OTHER_EVENT} (an id this decoder does not know; {@code v} untouched) or
     *         {@link #MALFORMED} (too short or a bad {@code __data_loc}; {@code v} partly written)
     */
    public int decode(byte[] b, int off, int len, long ts, int cpu, EventView v) {
        if (len < 8) {
            return MALFORMED;
        }
        int id = Le.u16(b, off);
        int kind = kindById[id];
        if (kind == KIND_NONE) {
            return OTHER_EVENT;
        }
        if (len < minLen[kind]) {
            return MALFORMED;
        }
        v.kind = kind;
        v.eventId = id;
        v.timestampNanos = ts;
        v.cpu = cpu;
        v.pid = Le.i32(b, off + COMMON_PID_OFFSET);
        v.stackDepth = 0;
        v.cacheId = -1;
        switch (kind) {
            case KIND_KMALLOC, KIND_CACHE_ALLOC, KIND_KFREE, KIND_CACHE_FREE,
                 KIND_PERCPU_ALLOC, KIND_PERCPU_FREE -> {
                // The events that are nearly every record (and percpu's, of the same shape): the type, the address
                // and the bounds checks now; the other fields when asked (lazyCallSite ... lazyAccounted,
                // lazyCacheId), so a free never reads its call site or interns its cache's name unless its consumer
                // asks (the ledger pairs a free by its address alone).
                v.type = TYPE_OF_KIND[kind];
                v.source = SOURCE_OF_KIND[kind];
                v.address = Le.unsigned(b, off + ptrOff[kind], ptrSize[kind]);
                if ((kind == KIND_CACHE_ALLOC || kind == KIND_CACHE_FREE) && nameOff[kind] >= 0) {
                    long at = nameLoc(b, off, len, kind);
                    if (at < 0) {
                        return MALFORMED;
                    }
                    v.nameAt = at;
                    v.cacheId = EventView.CACHE_ID_PENDING;
                }
                v.lazyFrom(this, b, off);
                return DECODED;
            }
            default -> {
                // the rarer kinds, decoded whole below
            }
        }
        v.eager();
        v.contextFlags = b[off + COMMON_FLAGS_OFFSET] & 0xff;
        v.accountedField = -1;
        v.bytesRequested = 0;
        v.bytesAllocated = 0;
        v.gfpFlags = 0;
        v.callSite = 0;
        switch (kind) {
            case KIND_PAGE_ALLOC, KIND_PAGE_FREE -> {
                v.type = kind == KIND_PAGE_ALLOC ? AllocEvent.ALLOC : AllocEvent.FREE;
                v.source = AllocEvent.SOURCE_PAGE;
                long pfn = Le.unsigned(b, off + ptrOff[kind], ptrSize[kind]);
                long order = Le.unsigned(b, off + orderOff[kind], orderSize[kind]);
                // pfn == -1: the allocation failed. order is at most MAX_PAGE_ORDER (10); clamp garbage.
                v.address = pfn == -1L ? 0 : pfn << PAGE_SHIFT;
                long bytes = order < 32 ? (1L << PAGE_SHIFT) << order : 0;
                if (kind == KIND_PAGE_ALLOC) {
                    v.bytesRequested = bytes;
                    v.bytesAllocated = bytes;
                    v.gfpFlags = Le.unsigned(b, off + gfpOff[kind], gfpSize[kind]);
                }
            }
            case KIND_NEW_TASK -> {
                v.type = AllocEvent.NEW_TASK;
                v.source = 0;
                v.address = 0;
                v.taskPid = Le.i32(b, off + taskPidOff[kind]);
                v.cloneFlags = Le.unsigned(b, off + cloneFlagsOff[kind], cloneFlagsSize[kind]);
            }
            case KIND_TASK_MOVE -> {
                v.type = AllocEvent.TASK_MOVE;
                v.source = 0;
                v.address = 0;
                v.taskPid = Le.i32(b, off + taskPidOff[kind]);
                v.hierarchyId = Le.i32(b, off + hierarchyOff[kind]);
                long at = nameLoc(b, off, len, kind);
                if (at < 0) {
                    return MALFORMED;
                }
                int pathLen = (int) (at >>> 32);
                int pathOff = off + (int) at;
                while (pathLen > 0 && b[pathOff + pathLen - 1] == 0) {
                    pathLen--; // the stored length counts the terminating NUL
                }
                v.pathBytes = b;
                v.pathOff = pathOff;
                v.pathLen = pathLen;
            }
            case KIND_STACK -> {
                v.type = AllocEvent.STACK;
                v.source = 0;
                v.address = 0;
                int declared = Le.i32(b, off + stackSizeOff);
                int room = (len - stackFramesOff) / 8;
                int n = declared < 0 ? 0 : Math.min(declared, room);
                v.ensureFrames(n);
                long[] fr = v.frames;
                int depth = 0;
                for (int i = 0; i < n; i++) {
                    long pc = Le.i64(b, off + stackFramesOff + 8 * i);
                    if (pc == -1L) {
                        break; // ~0 ends a stack shorter than its reservation
                    }
                    fr[depth++] = pc;
                }
                v.stackDepth = depth;
            }
            default -> throw new IllegalStateException("kind " + kind);
        }
        return DECODED;
    }

    /**
     * Writes at {@code b[off..]} a record payload that {@link #decode} reads back as this event: the inverse of
     * {@code decode} for the four kmem kinds, at this schema's offsets and field sizes (values wider than a field are
     * cut to it, as the kernel's assignment would). For pages made here rather than read from the kernel: the merge
     * path's warm-up ({@link MergeWarmUp}) and tests.
     *
     * @param name the cache's name for {@link #KIND_CACHE_ALLOC} and {@link #KIND_CACHE_FREE} (ASCII, no NUL; stored
     *             NUL-terminated as the kernel stores it), ignored for the others
     * @return the payload's length (a multiple of 4, as the ring buffer pads), or -1 when this schema lacks the kind,
     *         the kind is not one of the four, or {@code room} bytes are too few
     */
    public int encode(byte[] b, int off, int room, int kind, int pid, long callSite, long ptr, long bytesReq,
                      long bytesAlloc, long gfpFlags, byte[] name) {
        if (kind < KIND_KMALLOC || kind > KIND_CACHE_FREE || idOfKind[kind] < 0) {
            return -1;
        }
        boolean named = kind == KIND_CACHE_ALLOC || kind == KIND_CACHE_FREE;
        int fixed = Math.max(fixedLen[kind], minLen[kind]);
        int len = (fixed + (named ? name.length + 1 : 0) + 3) & ~3;
        if (len > room || (named && name.length + 1 > 0xffff)) {
            return -1;
        }
        java.util.Arrays.fill(b, off, off + len, (byte) 0);
        Le.putI16(b, off, (short) idOfKind[kind]);
        Le.putI32(b, off + COMMON_PID_OFFSET, pid);
        put(b, off + callSiteOff[kind], callSiteSize[kind], callSite);
        put(b, off + ptrOff[kind], ptrSize[kind], ptr);
        if (kind == KIND_KMALLOC || kind == KIND_CACHE_ALLOC) {
            put(b, off + reqOff[kind], reqSize[kind], bytesReq);
            put(b, off + allocOff[kind], allocSize[kind], bytesAlloc);
            put(b, off + gfpOff[kind], gfpSize[kind], gfpFlags);
        }
        if (named) {
            int fo = nameOff[kind];
            int loc = nameRel[kind] ? fixed - (fo + 4) : fixed; // __rel_loc counts from the end of its own field
            Le.putI32(b, off + fo, (name.length + 1) << 16 | loc);
            System.arraycopy(name, 0, b, off + fixed, name.length);
        }
        return len;
    }

    /**
     * Writes a {@code ftrace/kernel_stack} payload that {@link #decode} reads back with these frames (innermost
     * first), as a {@code stacktrace} trigger writes it after the event it fired on.
     *
     * @return the payload's length, or -1 when this schema lacks the event or {@code room} bytes are too few
     */
    public int encodeStack(byte[] b, int off, int room, int pid, long[] frames, int depth) {
        if (idOfKind[KIND_STACK] < 0 || depth < 0 || depth > frames.length) {
            return -1;
        }
        int len = (stackFramesOff + 8 * depth + 3) & ~3;
        if (len > room) {
            return -1;
        }
        java.util.Arrays.fill(b, off, off + len, (byte) 0);
        Le.putI16(b, off, (short) idOfKind[KIND_STACK]);
        Le.putI32(b, off + COMMON_PID_OFFSET, pid);
        Le.putI32(b, off + stackSizeOff, depth);
        for (int i = 0; i < depth; i++) {
            Le.putI64(b, off + stackFramesOff + 8 * i, frames[i]);
        }
        return len;
    }

    private static void put(byte[] b, int off, int size, long v) {
        switch (size) {
            case 8 -> Le.putI64(b, off, v);
            case 4 -> Le.putI32(b, off, (int) v);
            case 2 -> Le.putI16(b, off, (short) v);
            case 1 -> b[off] = (byte) v;
            default -> {
                // a field of another width: left 0 (decode reads 0 for it too)
            }
        }
    }

    /**
     * The kind of the record payload {@code b[off, off+len)} without decoding it: {@link #KIND_NONE} for an id this
     * decoder does not know, {@link #MALFORMED} when {@link #decode} would answer so (too short for its format, or a
     * cache name's {@code __data_loc} outside the record). For counting pages that are kept raw (a recording): the
     * same verdicts as {@link #decode}, at the cost of one array lookup and two compares per record.
     */
    public int classify(byte[] b, int off, int len) {
        if (len < 8) {
            return MALFORMED;
        }
        int kind = kindById[Le.u16(b, off)];
        if (kind == KIND_NONE) {
            return KIND_NONE;
        }
        if (len < minLen[kind]) {
            return MALFORMED;
        }
        if ((kind == KIND_CACHE_ALLOC || kind == KIND_CACHE_FREE || kind == KIND_TASK_MOVE) && nameOff[kind] >= 0
                && nameLoc(b, off, len, kind) < 0) {
            return MALFORMED;
        }
        return kind;
    }

    /**
     * Where a cache record's name lies, from its {@code __data_loc} (u16 offset, absolute or, when the format says
     * {@code __rel_loc}, from the end of the field; u16 length): {@code offset | length << 32}, both in bytes from
     * the record's start; -1 when it runs past the record's {@code len} bytes. The one bounds check of
     * {@link #decode} and {@link #classify}.
     */
    private long nameLoc(byte[] b, int off, int len, int kind) {
        int fo = nameOff[kind];
        long loc = Le.u32(b, off + fo);
        int dOff = (int) (loc & 0xffff) + (nameRel[kind] ? fo + 4 : 0);
        int dLen = (int) (loc >>> 16);
        return dOff + dLen > len ? -1 : (long) dLen << 32 | dOff;
    }

    /**
     * The cache id of a cache record whose name {@link #decode} found at {@code at} ({@link #nameLoc}'s answer, already
     * checked against the record): the name interned, its stored NUL left out.
     */
    int lazyCacheId(byte[] b, int off, long at) {
        int dOff = (int) at;
        int dLen = (int) (at >>> 32);
        while (dLen > 0 && b[off + dOff + dLen - 1] == 0) {
            dLen--; // the stored length counts the terminating NUL
        }
        return names.intern(b, off + dOff, dLen);
    }

    // The fields of a kmem record at b[off..] of its kind that decode left lazy (see EventView), as decode would have
    // stored them: 0 for a field the kind lacks (accounted: -1). decode's minLen test checked every offset against the
    // record's length. One small method per field, so each accessor's caller inlines only its own read.

    long lazyCallSite(byte[] b, int off, int kind) {
        return callSiteOff[kind] < 0 ? 0 : Le.unsigned(b, off + callSiteOff[kind], callSiteSize[kind]);
    }

    long lazyBytesRequested(byte[] b, int off, int kind) {
        return reqOff[kind] < 0 ? 0 : Le.unsigned(b, off + reqOff[kind], reqSize[kind]);
    }

    long lazyBytesAllocated(byte[] b, int off, int kind) {
        return allocOff[kind] < 0 ? 0 : Le.unsigned(b, off + allocOff[kind], allocSize[kind]);
    }

    long lazyGfpFlags(byte[] b, int off, int kind) {
        return gfpOff[kind] < 0 ? 0 : Le.unsigned(b, off + gfpOff[kind], gfpSize[kind]);
    }

    static int lazyContextFlags(byte[] b, int off) {
        return b[off + COMMON_FLAGS_OFFSET] & 0xff;
    }

    int lazyAccounted(byte[] b, int off, int kind) {
        return accountedOff[kind] < 0 ? -1 : b[off + accountedOff[kind]] & 0xff;
    }

    public static String kindName(int kind) {
        return kind > 0 && kind < KINDS ? EVENT_KEYS[kind].substring(EVENT_KEYS[kind].indexOf('/') + 1) : "none";
    }
}
