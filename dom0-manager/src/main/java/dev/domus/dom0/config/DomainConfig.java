package dev.domus.dom0.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * A parsed, syntactically valid {@code xl.cfg}-style domain config (host-dependent checks,
 * such as memory against the host's, are {@link ConfigValidator}'s).
 *
 * @param source      the file it came from, or null
 * @param name        the domain's name
 * @param kernel      the guest kernel: a class name, optionally with a jar ({@code path.jar:cls.Name}
 *                    or just a class on the host's guest path)
 * @param kernelJar   the jar holding the kernel, or null
 * @param memoryMib   initial memory
 * @param maxmemMib   maximum memory (≥ memory)
 * @param vcpus       vCPU count
 * @param cpus        pCPUs the vCPUs may run on; empty = all
 * @param weight      credit/credit2 weight
 * @param cap         credit cap in percent of one pCPU, 0 = none
 * @param disks       virtual disks
 * @param onPoweroff  action on poweroff
 * @param onReboot    action on reboot
 * @param onCrash     action on crash
 * @param javaHeapMib the guest's Java heap quota, 0 = the host default
 * @param extra       the command line passed to the guest ({@code extra = "k=v ..."})
 * @param extraArgs   {@code extra} split into key=value pairs
 */
public record DomainConfig(Path source, String name, String kernel, Path kernelJar, long memoryMib,
                           long maxmemMib, int vcpus, SortedSet<Integer> cpus, int weight, int cap,
                           List<DiskSpec> disks, LifecycleAction onPoweroff, LifecycleAction onReboot,
                           LifecycleAction onCrash, long javaHeapMib, String extra,
                           Map<String, String> extraArgs) {
}
