package dev.domus.sdk.host;

import dev.domus.sdk.Domu;
import dev.domus.sdk.DomusKernel;

/**
 * Base of the SDK's end-to-end test guests: each check runs inside the guest and prints
 * {@code PASS name} or {@code FAIL name: cause} on the console; {@code DONE} ends the run.
 * The JUnit side reads the console through Dom0 ({@link TestHost}).
 */
public abstract class CheckKernel extends DomusKernel {

    /** A check: throws to fail. */
    protected interface Check {
        void run() throws Exception;
    }

    protected Domu domu;

    @Override
    protected final void main(Domu domu) throws Exception {
        this.domu = domu;
        checks();
        domu.console().println("DONE");
    }

    protected abstract void checks() throws Exception;

    protected void check(String name, Check c) {
        try {
            c.run();
            domu.console().println("PASS " + name);
        } catch (Throwable t) {
            String msg = String.valueOf(t.getMessage()).replace('\n', ' ');
            domu.console().println("FAIL " + name + ": " + t.getClass().getSimpleName() + ": "
                    + (msg.length() > 300 ? msg.substring(0, 300) : msg));
        }
    }

    protected static void expect(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /** Runs {@code body}, which must throw a XenException whose message contains every {@code words}. */
    protected static dev.domus.sdk.XenException expectXen(int errno, Check body, String... words) throws Exception {
        try {
            body.run();
        } catch (dev.domus.sdk.XenException e) {
            expect(e.errno() == errno, "expected " + dev.domus.sdk.XenErrors.name(errno) + " but got " + e.getMessage());
            for (String w : words) {
                expect(e.getMessage().contains(w), "message '" + e.getMessage() + "' lacks '" + w + "'");
            }
            return e;
        }
        throw new AssertionError("no XenException (" + dev.domus.sdk.XenErrors.name(errno) + ") was thrown");
    }
}
