package dev.domus.sdk;

/**
 * A stand-in for a domU SDK class in the hypervisor's tests (the real SDK is not on the
 * hypervisor's class path): the guest loader finds it by resource lookup, as it finds the
 * real SDK, and gives every domain its own copy, static counter included.
 */
public final class LoaderProbe {

    private static long counter;
    private static Object stash;

    private LoaderProbe() {
    }

    /** 1 on a domain's first call, 2 on its second, whatever other domains did. */
    public static long next() {
        return ++counter;
    }

    /** Keeps {@code o} in a static field of this domain's copy of the class. */
    public static void stash(Object o) {
        stash = o;
    }

    /** What this domain stashed, or null. */
    public static Object peek() {
        return stash;
    }
}
