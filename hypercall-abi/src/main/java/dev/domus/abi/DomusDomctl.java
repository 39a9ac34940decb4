package dev.domus.abi;

/**
 * The Domus extension to {@code XEN_DOMCTL_*}: naming the kernel a domain runs. Xen's PV
 * domain builder loads an ELF kernel into guest memory; a Domus kernel is Java code, so Dom0
 * tells the hypervisor which class to run, from which class path, and where the builder put
 * the domain's {@code start_info} and {@code shared_info} pages. Command number
 * {@link #XEN_DOMCTL_domus_kernel} is one Xen 4.17's {@code domctl.h} leaves unassigned.
 *
 * <pre>
 * struct xen_domctl_domus_kernel {     // in xen_domctl.u, at offset 16 of xen_domctl
 *     uint64_t start_info_gpfn;        // IN  0   guest frame of start_info
 *     uint64_t shared_info_gpfn;       // IN  8   guest frame of shared_info
 *     uint64_t kernel_class;           // IN  16  Dom0 guest address of the class name (UTF-8)
 *     uint32_t kernel_class_len;       // IN  24  its length in bytes (1..1024)
 *     uint32_t classpath_len;          // IN  28  length of the class path (0..8192; 0 = host's)
 *     uint64_t classpath;              // IN  32  Dom0 guest address of the class path (UTF-8,
 *                                      //         entries separated by the host's path separator)
 *     uint32_t flags;                  // IN  40  DOMUS_KERNEL_resume: run resume() not start()
 *     uint32_t error_len;              // IN/OUT 44  IN: size of error_buf; OUT: bytes of the
 *                                      //         message written there when the call fails
 *     uint64_t error_buf;              // IN  48  Dom0 guest address for the refusal message
 *                                      //         (UTF-8, e.g. the verifier's); 0 = none
 *     uint64_t java_heap;              // IN  56  the domain's Java heap quota in bytes
 *                                      //         (config key java_heap); 0 = the host default
 * };                                   // 64 bytes
 * </pre>
 * Privileged (Dom0) only; the domain must not have run yet. The class is loaded, checked to
 * implement {@code GuestKernel} and instantiated now, so a bad kernel fails this call and
 * nothing runs. Errors: {@code -XEN_EPERM} (not Dom0), {@code -XEN_ESRCH} (no such domain),
 * {@code -XEN_EBUSY} (already running), {@code -XEN_EINVAL} (bad lengths or frames),
 * {@code -XEN_EFAULT} (strings not in Dom0's memory), {@code -XEN_ENOEXEC} (class not found,
 * refused by the guest loader, not a {@code GuestKernel}, or its constructor failed).
 */
public final class DomusDomctl {

    private DomusDomctl() {
    }

    /** Domctl command number of the Domus kernel extension (unassigned in Xen 4.17). */
    public static final int XEN_DOMCTL_domus_kernel = 200;

    public static final int START_INFO_GPFN_OFFSET = 0;
    public static final int SHARED_INFO_GPFN_OFFSET = 8;
    public static final int KERNEL_CLASS_OFFSET = 16;
    public static final int KERNEL_CLASS_LEN_OFFSET = 24;
    public static final int CLASSPATH_LEN_OFFSET = 28;
    public static final int CLASSPATH_OFFSET = 32;
    public static final int FLAGS_OFFSET = 40;
    public static final int ERROR_LEN_OFFSET = 44;
    public static final int ERROR_BUF_OFFSET = 48;
    public static final int JAVA_HEAP_OFFSET = 56;
    public static final int LENGTH = 64;

    /** Flag: the domain is a restored or migrated one; vCPUs enter {@code GuestKernel.resume}. */
    public static final int DOMUS_KERNEL_resume = 1;

    public static final int DOMUS_KERNEL_CLASS_MAX = 1024;
    public static final int DOMUS_CLASSPATH_MAX = 8192;
}
