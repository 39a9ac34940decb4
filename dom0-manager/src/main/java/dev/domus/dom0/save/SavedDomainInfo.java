package dev.domus.dom0.save;

/**
 * The DOMUS_DOMAIN_INFO record: what a restore needs to rebuild the domain before its pages
 * go back in.
 *
 * @param name          the domain's name
 * @param sourceDomid   its domid on the saving host (a restore may get another)
 * @param kernelClass   the guest kernel's class
 * @param classPath     where the kernel was loaded from ("" = the host's class path)
 * @param cmdline       start_info's command line
 * @param memoryKb      RAM built at create time
 * @param maxMemoryKb   the maximum reservation
 * @param vcpus         vCPU count
 * @param nrPages       PFNs 0..nrPages-1 make up the guest's physical address space
 * @param specialPfns   start_info, shared_info, xenstore ring, console ring: rebuilt fresh on restore
 */
public record SavedDomainInfo(String name, int sourceDomid, String kernelClass, String classPath, String cmdline,
                              long memoryKb, long maxMemoryKb, int vcpus, long nrPages, long[] specialPfns) {

    byte[] encode() {
        Fields f = Fields.writer().str(name).u32(sourceDomid).str(kernelClass).str(classPath).str(cmdline)
                .u64(memoryKb).u64(maxMemoryKb).u32(vcpus).u64(nrPages).u32(specialPfns.length);
        for (long p : specialPfns) {
            f.u64(p);
        }
        return f.bytes();
    }

    static SavedDomainInfo decode(byte[] body, int length) throws ImageException {
        Fields f = Fields.reader(body, length, "DOMUS_DOMAIN_INFO");
        String name = f.getStr();
        int domid = f.getU32();
        String kernel = f.getStr();
        String cp = f.getStr();
        String cmd = f.getStr();
        long mem = f.getU64();
        long max = f.getU64();
        int vcpus = f.getU32();
        long nr = f.getU64();
        int n = f.getU32();
        if (n < 0 || n > 64) {
            throw new ImageException("malformed DOMUS_DOMAIN_INFO record: " + (n & 0xffffffffL) + " special frames");
        }
        long[] special = new long[n];
        for (int i = 0; i < n; i++) {
            special[i] = f.getU64();
        }
        if (nr <= 0 || nr > (1L << 40) || vcpus < 1 || vcpus > 32 || mem <= 0 || max < mem) {
            throw new ImageException("malformed DOMUS_DOMAIN_INFO record: nr_pages " + nr + ", vcpus " + vcpus
                    + ", memory " + mem + " KiB, maxmem " + max + " KiB");
        }
        return new SavedDomainInfo(name, domid, kernel, cp, cmd, mem, max, vcpus, nr, special);
    }

    /** One of the frames a build makes fresh on every host (never copied). */
    public boolean isSpecial(long pfn) {
        for (long p : specialPfns) {
            if (p == pfn) {
                return true;
            }
        }
        return false;
    }
}
