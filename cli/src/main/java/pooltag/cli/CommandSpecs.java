package pooltag.cli;

import java.util.function.Consumer;
import java.util.function.Supplier;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Range;

/**
 * picocli models built in code, for the one-shot commands ({@code --version}, {@code poolused}, {@code tags},
 * {@code diff}): the model picocli builds from annotations costs a one-shot command 60-90 ms of its start-up, most
 * of it the JDK's first reads of annotations (a dynamic proxy class per annotation type, made at run time and not
 * storable in the AOT cache) and picocli's reflection over the fields (docs/PERFORMANCE.md, start-up round 5).
 * Each of these commands defines its command line in its {@code commandSpec()}, with these helpers, and nowhere
 * else; {@code CommandModelTest} checks the result against the model the annotated definitions gave, and the shared options ({@code -h}/{@code -V},
 * {@code --json}, {@code --no-vmalloc}) against the annotated classes the other commands still use.
 */
public final class CommandSpecs {
    private CommandSpecs() {
    }

    /** A command whose model is built in code: {@code Main} registers it by class and takes this model. */
    public interface Built {
        /** This command's picocli model, with this object as its command. */
        CommandSpec commandSpec();
    }

    /** A command named {@code name} whose user object is {@code command}, without reading its annotations. */
    public static CommandSpec command(Object command, String name) {
        return CommandSpec.wrapWithoutInspection(command).name(name);
    }

    /**
     * {@code -h, --help} and {@code -V, --version}, as picocli's {@code mixinStandardHelpOptions} adds them (that
     * mixin is an annotated class: adding it reads annotations).
     */
    public static void standardHelpOptions(CommandSpec spec) {
        spec.addOption(flag(new Value<>(false), "<helpRequested>", "Show this help message and exit.", HELP_SHORT,
                HELP).initialValue(false).usageHelp(true).descriptionKey("mixinStandardHelpOptions.help").build());
        spec.addOption(flag(new Value<>(false), "<versionRequested>", "Print version information and exit.",
                VERSION_SHORT, VERSION).initialValue(false).versionHelp(true)
                .descriptionKey("mixinStandardHelpOptions.version").build());
    }

    // The names of standardHelpOptions, for code that looks at a command line before picocli does.
    public static final String HELP_SHORT = "-h";
    public static final String HELP = "--help";
    public static final String VERSION_SHORT = "-V";
    public static final String VERSION = "--version";

    /** A boolean option without a value ({@code --json}), held by {@code get}/{@code set}. */
    public static OptionSpec.Builder flag(Supplier<Boolean> get, Consumer<Boolean> set, String paramLabel,
            String description, String... names) {
        return flag(new Field<>(get, set), paramLabel, description, names).initialValue(get.get());
    }

    private static <B extends IGetter & ISetter> OptionSpec.Builder flag(B binding, String paramLabel,
            String description, String... names) {
        return OptionSpec.builder(names).type(boolean.class).auxiliaryTypes(boolean.class).arity("0")
                .paramLabel(paramLabel).description(description).descriptionKey("").getter(binding).setter(binding)
                .hasInitialValue(true);
    }

    /** An option taking one value of {@code type}, held by {@code get}/{@code set}. */
    public static <T> OptionSpec.Builder option(Class<T> type, Supplier<T> get, Consumer<T> set, String paramLabel,
            String description, String... names) {
        Field<T> f = new Field<>(get, set);
        return OptionSpec.builder(names).type(type).auxiliaryTypes(type).arity("1").paramLabel(paramLabel)
                .description(description).descriptionKey("").getter(f).setter(f).hasInitialValue(true)
                .initialValue(get.get());
    }

    /**
     * A positional parameter of {@code type} at {@code index} with {@code arity}, held by {@code get}/{@code set};
     * required when its arity asks for at least one value, as picocli makes an annotated one.
     */
    public static <T> PositionalParamSpec.Builder positional(String index, String arity, Class<T> type,
            Supplier<T> get, Consumer<T> set, String paramLabel, String description) {
        Field<T> f = new Field<>(get, set);
        return PositionalParamSpec.builder().index(index).arity(arity).required(Range.valueOf(arity).min() > 0)
                .type(type).auxiliaryTypes(type)
                .paramLabel(paramLabel).description(description).descriptionKey("").getter(f).setter(f)
                .hasInitialValue(true).initialValue(get.get());
    }

    /**
     * A value kept in the command object's field: picocli reads the field's initial value through {@link #get}
     * (for the help's default and to reset it before a parse) and stores what it parsed through {@link #set}.
     */
    public static final class Field<T> implements IGetter, ISetter {
        private final Supplier<T> get;
        private final Consumer<T> set;

        public Field(Supplier<T> get, Consumer<T> set) {
            this.get = get;
            this.set = set;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> V get() {
            return (V) get.get();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> V set(V value) {
            V old = (V) get.get();
            set.accept((T) value);
            return old;
        }
    }

    /** A value held here, for options no command reads (picocli handles help and version itself). */
    private static final class Value<T> implements IGetter, ISetter {
        private T value;

        Value(T initial) {
            value = initial;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> V get() {
            return (V) value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> V set(V v) {
            V old = (V) value;
            value = (T) v;
            return old;
        }
    }
}
