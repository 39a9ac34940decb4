package dev.domus.dom0.console;

import java.util.concurrent.Callable;

import dev.domus.abi.dump.AbiDump;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code domus abi [--json]}: the Xen 4.17 ABI (and the Domus extension) this build implements. */
@Command(name = "abi", mixinStandardHelpOptions = true,
        description = "Print the hypercall ABI this build implements: constants and struct layouts.")
public final class AbiCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print JSON: {\"constants\": {...}, \"structs\": {...}}.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AbiDump dump = AbiDump.current();
        spec.commandLine().getOut().print(json ? dump.toJson() : dump.toTable());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
