package pooltag.cli.options;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import pooltag.core.error.PooltagException;
import pooltag.linux.kmem.TraceConfig;

/**
 * The ring-buffer options every tracing command takes ({@code @Mixin BufferOptions buffer;}), so that every loss
 * note's hint ("--buffer-kb", "--rate") names an option of the command that printed it.
 */
public final class BufferOptions {
    /** The command this is mixed into (its parse result says whether either option was typed); set by picocli. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--buffer-kb", paramLabel = "KB", defaultValue = "0",
            description = "kernel ring buffer per CPU in KiB (default: sized from --rate)")
    int bufferKb;

    @Option(names = "--rate", paramLabel = "EVENTS/S", defaultValue = "" + TraceConfig.DEFAULT_RATE,
            description = "expected peak kmem event rate; the buffer holds " + TraceConfig.BUFFER_MILLIS
                    + " ms of it (default ${DEFAULT-VALUE}, this machine class's measured peak)")
    long rate;

    /** {@code base} with these buffer settings; a bad value is one line naming the option. */
    public TraceConfig apply(TraceConfig base) {
        if (bufferKb < 0 || bufferKb > 4 * 1024 * 1024) {
            throw new PooltagException("--buffer-kb " + bufferKb + ": use 1..4194304 KiB per CPU (0 = from --rate)");
        }
        if (rate <= 0 || rate > 1_000_000_000L) {
            throw new PooltagException("--rate " + rate + ": use 1..1000000000 events per second");
        }
        return base.withBufferSizeKb(bufferKb).withExpectedRate(rate);
    }

    /**
     * Refuses either option, typed at all (its default value too), where this run traces nothing: one line naming
     * both and {@code why} ("--recording replays a file"), before anything is opened.
     */
    public void refuseUnless(boolean traces, String why) {
        if (traces) {
            return;
        }
        var typed = mixee.commandLine().getParseResult();
        if (typed.hasMatchedOption("--buffer-kb") || typed.hasMatchedOption("--rate")) {
            throw new PooltagException("--buffer-kb and --rate size the live kernel's trace buffer; " + why);
        }
    }

    /** The defaults (for callers without a command line). */
    public static TraceConfig defaults(TraceConfig base) {
        return base.withBufferSizeKb(0).withExpectedRate(TraceConfig.DEFAULT_RATE);
    }
}
