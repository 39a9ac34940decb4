package dev.domus.dom0.console.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code domus template add|list|rm}: saved images registered as templates, for fast
 * provisioning with {@code domus create CFG --from-template NAME}.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Manage templates: saved images (domus save) whose memory new domains share copy-on-write.",
        subcommands = {TemplateCommand.Add.class, TemplateCommand.ListTemplates.class, TemplateCommand.Remove.class})
public final class TemplateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** {@code domus template} alone: a usage error naming the subcommands. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a subcommand: add NAME FILE, list, or rm NAME.");
    }

    /** {@code domus template add NAME FILE}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Register a saved image as template NAME (checked as restore checks it; a bad image is refused"
                    + " with nothing changed) and load its pages once into host memory, held by a paused domain that"
                    + " never runs.")
    public static final class Add extends ControlCommand {

        @Parameters(index = "0", paramLabel = "NAME", description = "The template's name")
        String name;

        @Parameters(index = "1", paramLabel = "FILE", description = "An image domus save wrote (it is copied under the home)")
        Path file;

        @Override
        public Integer call() throws Exception {
            return send("template", List.of("add", name, file.toAbsolutePath().normalize().toString()));
        }
    }

    /** {@code domus template list [--json]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List templates: name, the domid holding its pages (- until first used after a restart), memory,"
                    + " guests created from it that still run, kernel.")
    public static final class ListTemplates extends ControlCommand {

        @Option(names = "--json", description = "One JSON array: name, domid, memory_mib, guests, kernel")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<String> args = new ArrayList<>();
            if (json) {
                args.add("--json");
            }
            return send("template-list", args);
        }
    }

    /** {@code domus template rm NAME}. */
    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Remove template NAME: its image and its paused domain go at once. Guests created from it keep"
                    + " running: the frames they still share stay allocated until they write those pages or are"
                    + " destroyed, then they are freed.")
    public static final class Remove extends ControlCommand {

        @Parameters(index = "0", paramLabel = "NAME", description = "The template's name")
        String name;

        @Override
        public Integer call() throws Exception {
            return send("template", List.of("rm", name));
        }
    }
}
