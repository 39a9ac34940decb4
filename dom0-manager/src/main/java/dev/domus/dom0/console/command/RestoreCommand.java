package dev.domus.dom0.console.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus restore FILE}: recreate a saved domain and resume it (issue 9). */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Check a saved image, recreate its domain (a new domid is allowed), load its memory and "
                + "resume it. A bad image is refused before any domain is created.")
public final class RestoreCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The image written by domus save")
    Path file;

    @Option(names = {"-p", "--paused"}, description = "Leave the restored domain paused")
    boolean paused;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of(file.toAbsolutePath().normalize().toString()));
        if (paused) {
            args.add("--paused");
        }
        return send("restore", args, true);
    }
}
