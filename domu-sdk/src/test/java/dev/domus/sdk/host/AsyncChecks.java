package dev.domus.sdk.host;

import static dev.domus.abi.Hypercalls.*;

import dev.domus.abi.XenErrno;
import dev.domus.abi.XenVersion;
import dev.domus.sdk.XenException;
import dev.domus.sdk.hypercall.Completion;

/** The async hypercall ring inside a guest; prints SKIP if the hypervisor lacks domus_async_op. */
public final class AsyncChecks extends CheckKernel {

    @Override
    protected void checks() {
        try {
            domu.async();
        } catch (XenException e) {
            if (e.errno() == XenErrno.XEN_ENOSYS) {
                domu.console().println("SKIP async: " + e.getMessage());
                return;
            }
            throw e;
        }
        check("async-hypercalls", () -> {
            Completion c = domu.async().submit(__HYPERVISOR_xen_version, XenVersion.XENVER_version);
            expect(c.await() == (4 << 16 | 17), "async xen_version");
            Completion bad = domu.async().submit(__HYPERVISOR_arch_7, 0);
            Completion after = domu.async().submit(__HYPERVISOR_xen_version, XenVersion.XENVER_version);
            expectXen(XenErrno.XEN_ENOSYS, bad::await, "async hypercall");
            expect(after.await() == (4 << 16 | 17), "the call after a failed one still ran");
        });


        check("async-many-in-order", () -> {
            Completion[] cs = new Completion[20];
            for (int i = 0; i < cs.length; i++) {
                cs[i] = domu.async().submitWaiting(__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0, 0, 0, 0);
                expect(cs[i].await() == (4 << 16 | 17), "call " + i);
            }
        });
    }
}
