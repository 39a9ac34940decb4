package dev.domus.hv.domain;

import dev.domus.abi.GuestKernel;

/**
 * Resolves the kernel Dom0 names for a domain (the Domus kernel domctl): a class name and a
 * class path. The default ({@link PlainKernelLoader}) uses a plain class loader; the guest
 * loader (package {@code loader}) verifies and instruments instead.
 */
@FunctionalInterface
public interface KernelLoader {

    /**
     * Loads and instantiates the kernel for {@code domid}.
     *
     * @throws KernelLoadException with a message that says what is wrong
     */
    GuestKernel load(int domid, String className, String classPath) throws KernelLoadException;

    /** A kernel that cannot be loaded: not found, refused, not a GuestKernel, constructor failed. */
    final class KernelLoadException extends Exception {
        private static final long serialVersionUID = 1L;

        public KernelLoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
