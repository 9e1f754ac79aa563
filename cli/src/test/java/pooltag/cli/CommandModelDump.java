package pooltag.cli;

import java.util.Arrays;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * A command's picocli model as text: every attribute that decides what the command line accepts (names, arity,
 * types, defaults, help and version flags) and what its help shows, in model order, then the help itself.
 * {@code CommandModelTest} compares it with the model the annotated commands had (src/test/resources/cli-model).
 */
final class CommandModelDump {
    private CommandModelDump() {
    }

    /** The tree {@code Main.commandLineFor(args)} builds, top command first, then each subcommand. */
    static String of(String... args) {
        CommandLine cl = Main.commandLineFor(args);
        StringBuilder sb = new StringBuilder();
        command(sb, cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            command(sb, sub);
        }
        return sb.toString();
    }

    private static void command(StringBuilder sb, CommandLine cl) {
        CommandSpec s = cl.getCommandSpec();
        UsageMessageSpec u = s.usageMessage();
        sb.append("command ").append(s.qualifiedName(" ")).append('\n');
        line(sb, "aliases", Arrays.toString(s.aliases()));
        line(sb, "version", Arrays.toString(s.version()));
        line(sb, "userObject", s.userObject() == null ? "null" : s.userObject().getClass().getName());
        line(sb, "header", Arrays.toString(u.header()));
        line(sb, "description", Arrays.toString(u.description()));
        line(sb, "footer", Arrays.toString(u.footer()));
        line(sb, "sortOptions", String.valueOf(u.sortOptions()));
        line(sb, "helpCommand", String.valueOf(s.helpCommand()));
        for (OptionSpec o : s.options()) {
            option(sb, o);
        }
        for (PositionalParamSpec p : s.positionalParameters()) {
            sb.append("  positional ").append(p.index()).append('\n');
            arg(sb, p);
        }
        line(sb, "subcommands", String.valueOf(cl.getSubcommands().keySet()));
        sb.append("usage\n").append(cl.getUsageMessage(CommandLine.Help.Ansi.OFF)).append("end usage\n");
    }

    /** One option's attributes. */
    static String option(OptionSpec o) {
        StringBuilder sb = new StringBuilder();
        option(sb, o);
        return sb.toString();
    }

    private static void option(StringBuilder sb, OptionSpec o) {
        sb.append("  option ").append(Arrays.toString(o.names())).append('\n');
        arg(sb, o);
        line(sb, "    usageHelp", String.valueOf(o.usageHelp()));
        line(sb, "    versionHelp", String.valueOf(o.versionHelp()));
        line(sb, "    negatable", String.valueOf(o.negatable()));
        line(sb, "    order", String.valueOf(o.order()));
    }

    private static void arg(StringBuilder sb, ArgSpec a) {
        line(sb, "    arity", String.valueOf(a.arity()));
        line(sb, "    paramLabel", a.paramLabel());
        line(sb, "    type", a.type().getName());
        line(sb, "    auxiliaryTypes", List.of(a.auxiliaryTypes()).stream().map(Class::getName).toList().toString());
        line(sb, "    required", String.valueOf(a.required()));
        line(sb, "    defaultValue", String.valueOf(a.defaultValue()));
        line(sb, "    initialValue", String.valueOf(a.initialValue()));
        line(sb, "    hasInitialValue", String.valueOf(a.hasInitialValue()));
        line(sb, "    defaultValueString", String.valueOf(a.defaultValueString()));
        line(sb, "    description", Arrays.toString(a.description()));
        line(sb, "    descriptionKey", String.valueOf(a.descriptionKey()));
        line(sb, "    hidden", String.valueOf(a.hidden()));
        line(sb, "    interactive", String.valueOf(a.interactive()));
        line(sb, "    splitRegex", a.splitRegex());
        line(sb, "    showDefaultValue", String.valueOf(a.showDefaultValue()));
        line(sb, "    inherited", String.valueOf(a.inherited()));
        line(sb, "    scope", String.valueOf(a.scopeType()));
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append(": ").append(value).append('\n');
    }

    /** Writes the dumps of the one-shot command lines into the directory given (how the expected files were made). */
    public static void main(String[] args) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        for (String[] a : CASES) {
            java.nio.file.Files.writeString(dir.resolve(String.join("_", a).replace("-", "") + ".txt"), of(a));
        }
    }

    /** The command lines whose trees are built programmatically. */
    static final String[][] CASES = {{"--version"}, {"poolused"}, {"tags"}, {"diff"}};
}
