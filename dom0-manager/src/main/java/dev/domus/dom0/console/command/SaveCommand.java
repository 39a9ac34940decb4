package dev.domus.dom0.console.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code domus save DOM FILE}: suspend a domain, write its image, destroy it (issue 9). */
@Command(name = "save", mixinStandardHelpOptions = true,
        description = "Suspend a domain, write its image to FILE (fsync'ed), then destroy it. On any failure the "
                + "partial image is removed and the domain keeps running.")
public final class SaveCommand extends ControlCommand {

    @Parameters(index = "0", paramLabel = "DOM", description = "Domain name or domid")
    String dom;

    @Parameters(index = "1", paramLabel = "FILE", description = "The image file to create (must not exist)")
    Path file;

    @Option(names = "--timeout", paramLabel = "MS", description = "Time the guest gets to suspend (default 10000 ms)")
    Long timeoutMs;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of(dom, file.toAbsolutePath().normalize().toString()));
        if (timeoutMs != null) {
            args.add("--timeout=" + timeoutMs);
        }
        return send("save", args, true);
    }
}
