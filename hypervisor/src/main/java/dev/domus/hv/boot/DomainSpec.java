package dev.domus.hv.boot;

/**
 * What {@link DomainBuilder} builds: a domain's memory, vCPUs, kernel and command line.
 *
 * @param kernelClass  the guest kernel's class name (implements {@code GuestKernel})
 * @param classPath    where to load it from (host path separator between entries; "" = the host's)
 * @param memoryKb     RAM populated at build time, in KiB (a multiple of 4, at least 64 KiB)
 * @param maxMemoryKb  the domain's maximum reservation in KiB (&gt;= memoryKb; room to balloon up)
 * @param vcpus        number of vCPUs, 1..32
 * @param cmdline      the kernel command line (start_info.cmd_line, at most 1023 bytes)
 * @param maxEvtchnPort highest event channel port (0 = the default, 1023)
 * @param startPaused  leave the domain paused after building (the toolstack unpauses it)
 * @param resume       the domain is a restored one: its vCPUs enter {@code GuestKernel.resume}
 * @param javaHeapBytes the guest's Java heap quota ({@code java_heap}); 0 = the host default
 */
public record DomainSpec(String kernelClass, String classPath, long memoryKb, long maxMemoryKb, int vcpus,
                         String cmdline, int maxEvtchnPort, boolean startPaused, boolean resume, long javaHeapBytes) {

    /** A running domain with {@code memoryKb} of RAM (also its maximum) and {@code vcpus} vCPUs. */
    public static DomainSpec of(String kernelClass, long memoryKb, int vcpus) {
        return new DomainSpec(kernelClass, "", memoryKb, memoryKb, vcpus, "", 0, false, false, 0);
    }

    public DomainSpec withClassPath(String path) {
        return new DomainSpec(kernelClass, path, memoryKb, maxMemoryKb, vcpus, cmdline, maxEvtchnPort, startPaused, resume, javaHeapBytes);
    }

    public DomainSpec withMaxMemoryKb(long kb) {
        return new DomainSpec(kernelClass, classPath, memoryKb, kb, vcpus, cmdline, maxEvtchnPort, startPaused, resume, javaHeapBytes);
    }

    public DomainSpec withCmdline(String line) {
        return new DomainSpec(kernelClass, classPath, memoryKb, maxMemoryKb, vcpus, line, maxEvtchnPort, startPaused, resume, javaHeapBytes);
    }

    public DomainSpec paused(boolean p) {
        return new DomainSpec(kernelClass, classPath, memoryKb, maxMemoryKb, vcpus, cmdline, maxEvtchnPort, p, resume, javaHeapBytes);
    }

    public DomainSpec withMaxEvtchnPort(int port) {
        return new DomainSpec(kernelClass, classPath, memoryKb, maxMemoryKb, vcpus, cmdline, port, startPaused, resume, javaHeapBytes);
    }

    /** The guest's Java heap quota in bytes (0 = the host default). */
    public DomainSpec withJavaHeapBytes(long bytes) {
        return new DomainSpec(kernelClass, classPath, memoryKb, maxMemoryKb, vcpus, cmdline, maxEvtchnPort, startPaused,
            resume, bytes);
    }

    /** @throws IllegalArgumentException naming the bad field */
    public DomainSpec validate() {
        if (kernelClass == null || kernelClass.isBlank()) {
            throw new IllegalArgumentException("kernel class must be named");
        }
        if (memoryKb < 64 || memoryKb % 4 != 0) {
            throw new IllegalArgumentException("memory must be a multiple of 4 KiB and at least 64 KiB, was " + memoryKb + " KiB");
        }
        if (maxMemoryKb < memoryKb || maxMemoryKb % 4 != 0) {
            throw new IllegalArgumentException("maxmem (" + maxMemoryKb + " KiB) must be a multiple of 4 KiB and at least memory ("
                + memoryKb + " KiB)");
        }
        if (javaHeapBytes < 0) {
            throw new IllegalArgumentException("java_heap must be positive (or 0 for the default), was " + javaHeapBytes);
        }
        if (vcpus < 1 || vcpus > 32) {
            throw new IllegalArgumentException("vcpus must be between 1 and 32, was " + vcpus);
        }
        if (cmdline != null && cmdline.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 1023) {
            throw new IllegalArgumentException("command line longer than 1023 bytes");
        }
        if (maxEvtchnPort < 0 || maxEvtchnPort > 4095) {
            throw new IllegalArgumentException("max event channel port must be 0..4095, was " + maxEvtchnPort);
        }
        return this;
    }
}
