package dev.domus.hv.hypercall;

/**
 * One hypercall family (one entry of the dispatcher's table). Returns {@code >= 0} or a
 * negated {@code XEN_E*}; must not throw on bad guest input (the dispatcher still turns an
 * unexpected exception into an error).
 */
@FunctionalInterface
public interface HypercallHandler {

    long handle(CallContext ctx, long a1, long a2, long a3, long a4, long a5);
}
