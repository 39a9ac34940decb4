package dev.domus.dom0.console.command;

import picocli.CommandLine.Command;

/** {@code domus sched-credit}: show or set a domain's credit scheduling parameters, as {@code xl sched-credit}. */
@Command(name = "sched-credit", mixinStandardHelpOptions = true,
        description = "Show or set credit scheduling parameters (set needs -d DOM).")
public final class SchedCreditCommand extends SchedCommand.WeightAndCap {
}
