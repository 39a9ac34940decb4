package dev.domus.dom0.console.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus create CFG}: create a domain from an xl.cfg-style config file. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a domain from an xl.cfg-style config file (optionally from a template).")
public final class CreateCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "CFG", description = "The domain's config file")
    Path config;

    @Option(names = {"-p", "--paused"}, description = "Leave the domain paused after creating it")
    boolean paused;

    @Option(names = "--from-template", paramLabel = "NAME",
            description = "Start the domain from template NAME (domus template add): it gets the template's memory"
                    + " copy-on-write and resumes from the template's saved point; the config gives its name, devices and"
                    + " command line, and must name the template's kernel, memory and vcpus (maxmem at least the template's)")
    String template;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        // domusd reads the file itself: send an absolute path, relative paths inside it are
        // relative to the file.
        args.add(config.toAbsolutePath().normalize().toString());
        if (paused) {
            args.add("--paused");
        }
        if (template != null) {
            args.add("--from-template");
            args.add(template);
        }
        return send("create", args);
    }
}
