package dev.domus.hv.boot;

/**
 * How to start a {@link Host}: machine memory, pCPU run tokens, the scheduling policy, and
 * Dom0's own memory. Values are checked by {@link #validate()}, which names what to fix.
 *
 * @param memoryBytes     machine memory of the host (whole 4 KiB frames), at most 64 GiB
 * @param pcpus           number of pCPU run tokens, 1..256
 * @param scheduler       policy name: {@code credit2} (default), {@code credit}, {@code rtds}, {@code null}
 * @param dom0MemoryBytes Dom0's RAM, taken from machine memory at boot
 */
public record HostConfig(long memoryBytes, int pcpus, String scheduler, long dom0MemoryBytes) {

    public static final long MAX_MEMORY = 64L << 30;

    /** 1 GiB, one pCPU per available processor, credit2, 64 MiB for Dom0. */
    public static HostConfig defaults() {
        return new HostConfig(1L << 30, Runtime.getRuntime().availableProcessors(), "credit2", 64L << 20);
    }

    public HostConfig withMemory(long bytes) {
        return new HostConfig(bytes, pcpus, scheduler, dom0MemoryBytes);
    }

    public HostConfig withPcpus(int n) {
        return new HostConfig(memoryBytes, n, scheduler, dom0MemoryBytes);
    }

    public HostConfig withScheduler(String name) {
        return new HostConfig(memoryBytes, pcpus, name, dom0MemoryBytes);
    }

    public HostConfig withDom0Memory(long bytes) {
        return new HostConfig(memoryBytes, pcpus, scheduler, bytes);
    }

    /** @throws IllegalArgumentException with a message that says what to fix */
    public HostConfig validate() {
        if (memoryBytes < (16L << 20) || memoryBytes > MAX_MEMORY || memoryBytes % 4096 != 0) {
            throw new IllegalArgumentException("host memory must be a multiple of 4 KiB between 16 MiB and 64 GiB, was "
                + memoryBytes + " bytes");
        }
        if (pcpus < 1 || pcpus > 256) {
            throw new IllegalArgumentException("pcpus must be between 1 and 256, was " + pcpus);
        }
        if (scheduler == null || scheduler.isBlank()) {
            throw new IllegalArgumentException("scheduler must be named (credit2, credit, rtds or null)");
        }
        if (dom0MemoryBytes < (1L << 20) || dom0MemoryBytes % 4096 != 0 || dom0MemoryBytes > memoryBytes / 2) {
            throw new IllegalArgumentException("Dom0 memory must be a multiple of 4 KiB, at least 1 MiB and at most"
                + " half the host's memory, was " + dom0MemoryBytes + " bytes");
        }
        return this;
    }
}
