/**
 * {@code pooltag kd}: a {@code kd> } console that takes the commands of the WinDbg page this project started from
 * ({@code .reload}, {@code !poolused 4}, {@code ed nt!poolhittag ' cbA'}, {@code db nt!poolhittag L4}, {@code g},
 * {@code kb}, {@code !poolfind}, {@code ed nt!poolhittag 0}) and runs them on Linux.
 *
 * <p>Shape: {@link pooltag.cli.kd.KdConsole} owns the syntax, the state ({@code nt!PoolHitTag} and the last break)
 * and every line of output; {@link pooltag.engine.kd.KdTarget} answers in data (the live kernel, a recording, or a
 * script in tests); {@link pooltag.cli.kd.KdRepl} is the front end (JLine prompt, or {@code -c}/stdin scripts);
 * {@link pooltag.engine.kd.KdTargets} is the one place that picks a target.
 *
 * <p>Targets ({@link pooltag.engine.kd.KdTargets}):
 * <ul>
 *   <li>the live kernel, {@code LiveKdTarget}: one kmem trace session in a private tracefs instance, started with
 *       the console (a leak's allocations come before the user knows which tag to arm) and torn down by {@code q},
 *       Ctrl-D, an error or the shutdown hook; a {@link pooltag.core.ledger.Ledger} fed on the session's merge
 *       thread. {@code ed nt!poolhittag} adds the tag's filtered {@code stacktrace} triggers to the running instance
 *       ({@code pooltag hit}'s filters) and {@code ed nt!poolhittag 0} removes them. Threads: the console thread never
 *       reads the ledger; hits reach {@code g} through a bounded queue, and {@code !poolfind}/{@code !pool} are
 *       functions the merge thread runs in its tick (at most 20 ms apart, idle or not), once the ledger has caught up
 *       with the moment the command was typed. The kernel is not stopped at a break: hits are queued while the user
 *       reads, and {@code g} returns the oldest.</li>
 *   <li>a recording, {@code RecordingKdTarget}: replayed through a ledger on a thread that runs only inside
 *       {@code g} and pauses at each hit, so {@code !poolfind} answers what was outstanding at that point.</li>
 *   <li>without root or tracefs, {@code ProcfsKdTarget}: {@code .reload} and {@code !poolused} only; the tracing
 *       commands print why tracing could not start.</li>
 * </ul>
 *
 * <p>Choices, and why:
 * <ul>
 *   <li>{@code PoolHitTag} is kept as memory bytes plus the Linux tag they arm. A character constant or a number is
 *       a DWORD stored little-endian, exactly as WinDbg stores it ({@code ' cbA'} is {@code 41 62 63 20}, tag
 *       {@code "Abc "}, armed on Linux as {@code Abc}: Linux tags have no padding). A double-quoted string is a
 *       Linux tag of any length ({@code "alloc_pipe_info"}); its characters are the memory {@code db} shows.</li>
 *   <li>{@code db}/{@code dd} print the symbol ({@code nt!PoolHitTag}, {@code nt!PoolHitTag+0x10}) where kd prints
 *       an address: there is no kernel variable behind it, and a real kernel address in a log gives away the
 *       KASLR base. Memory past the variable prints {@code ??}, as kd prints memory it cannot read.</li>
 *   <li>Allocation addresses ({@code g}, {@code !poolfind}, {@code !pool}) print masked, {@code @} and a keyed hash
 *       per run ({@code @f1039e14}, {@link pooltag.engine.publish.AddressPolicy}), unless {@code --show-addresses} is given and pooltag runs as root.</li>
 *   <li>{@code !poolfind}'s PoolType defaults to both pools on Linux (WinDbg's default is 0, NonPaged): the two
 *       pools are reclaimable and unreclaimable slab, and a user looking for a tag wants it wherever it is.</li>
 *   <li>Errors keep kd's wording where kd has one ({@code ^ Syntax error in '...'},
 *       {@code Couldn't resolve error at '...'}, {@code No export foo found}); each is one line, and the console
 *       reads the next command.</li>
 * </ul>
 */
package pooltag.cli.kd;
