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

    @Option(names = "--lazy", description = "Run the domain before its memory is read: pages come from the image on "
            + "first touch (the hypervisor's paging ring) while a background reader streams the rest. Returns once the "
            + "domain runs; a restored event reports when its memory is fully loaded")
    boolean lazy;

    @Option(names = "--json", description = "Print the result as JSON (with --lazy)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of(file.toAbsolutePath().normalize().toString()));
        if (paused) {
            args.add("--paused");
        }
        if (lazy) {
            args.add("--lazy");
        }
        if (json) {
            args.add("--json");
        }
        return send("restore", args, !json && !lazy);
    }
}
