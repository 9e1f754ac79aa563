package pooltag.cli.options;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The one check of every {@code --top N} (and {@code --top-cgroups N}): a whole number of rows, at least 1, or at
 * least 0 where the command documents 0 as "all" ({@code mon --batch}, {@code poolused --by cgroup}). It runs while
 * the command line is parsed, so a bad value is one line naming the option (exit 2) before anything is read or
 * traced; a negative count used to reach {@code subList} (an internal exception's text) or print a whole report.
 * Each command keeps its own default and description; the bound is this class's.
 */
public final class TopConverter {
    private TopConverter() {
    }

    /** {@code --top} of a table that shows at least one row. */
    public static final class AtLeastOne implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return parse(value, 1);
        }
    }

    /** {@code --top} where 0 means every row. */
    public static final class ZeroForAll implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return parse(value, 0);
        }
    }

    /** @throws TypeConversionException (picocli names the option) for anything but a whole number {@code >= min} */
    static int parse(String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
        if (n < min) {
            throw new TypeConversionException("must be at least " + min + (min == 0 ? " (0 for all)" : "") + ", got "
                    + n);
        }
        return n;
    }
}
