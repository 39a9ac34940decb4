package dev.domus.dom0.console.command;

import picocli.CommandLine.Command;

/** {@code domus sched-credit2}: show or set a domain's credit2 scheduling parameters, as {@code xl sched-credit2}. */
@Command(name = "sched-credit2", mixinStandardHelpOptions = true,
        description = "Show or set credit2 scheduling parameters (set needs -d DOM).")
public final class SchedCredit2Command extends SchedCommand.WeightAndCap {
}
