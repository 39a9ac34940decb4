package dev.domus.hv.loader.guests;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.HypercallGate;
import dev.domus.abi.VcpuContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest kernels that pass the verifier and are run, instrumented, by the tests. They report
 * through the gate they are given: {@code call(op, value)} with the ops below.
 */
public final class RunningGuests {

    /** Gate ops the guests use to report. */
    public static final int STARTED = 1;
    public static final int PROGRESS = 2;
    public static final int CAUGHT = 3;
    public static final int FINALLY = 4;
    public static final int DONE = 5;

    private RunningGuests() {
    }

    /** {@code while (true) {}} after saying it started: no call out, ever. */
    public static class Spin implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            vcpu.gate().call(STARTED);
            while (true) {
                // a tight loop that never calls the SDK
            }
        }
    }

    /** Counts forever, reporting each step. */
    public static class Counter implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            HypercallGate gate = vcpu.gate();
            for (long i = 0; ; i++) {
                gate.call(PROGRESS, i);
            }
        }
    }

    /** Catches everything around a spin, again and again, with a finally too. */
    public static class CatchesEverything implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            vcpu.gate().call(STARTED);
            while (true) {
                try {
                    try {
                        while (true) {
                            // spin
                        }
                    } finally {
                        vcpu.gate().call(FINALLY);
                    }
                } catch (Throwable t) {
                    vcpu.gate().call(CAUGHT);
                }
            }
        }
    }

    /** Keeps 1 MiB arrays until something stops it; catching Throwable does not help. */
    public static class ArrayBomb implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            List<byte[]> kept = new ArrayList<>();
            try {
                while (true) {
                    kept.add(new byte[1 << 20]);
                    vcpu.gate().call(PROGRESS, kept.size());
                }
            } catch (Throwable t) {
                vcpu.gate().call(CAUGHT);
            }
        }
    }

    /** Asks for one array bigger than any quota. */
    public static class HugeArray implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            long[][] a = new long[1 << 16][1 << 16];
            vcpu.gate().call(DONE, a.length);
        }
    }

    /** A list of small guest objects that grows forever. */
    public static class ObjectBomb implements GuestKernel {
        static final class Node {
            final Node next;
            long a;
            long b;
            long c;
            long d;

            Node(Node next) {
                this.next = next;
            }
        }

        @Override
        public void start(VcpuContext vcpu) {
            Node head = null;
            for (long n = 1; ; n++) {
                head = new Node(head);
                if ((n & 1023) == 0) {
                    vcpu.gate().call(PROGRESS, n);
                }
            }
        }
    }

    /** Allocates far more than its quota in total, but keeps at most one array alive. */
    public static class Churn implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            long sum = 0;
            for (int i = 0; i < 200; i++) {
                byte[] b = new byte[1 << 20];
                b[i] = 1;
                sum += b[i];
                int[] copy = new int[] {i}.clone();
                sum += copy[0] - i;
            }
            vcpu.gate().call(DONE, sum);
        }
    }

    /** Unbounded recursion that tries to catch its own overflow. */
    public static class DeepRecursion implements GuestKernel {
        int depth(int n) {
            try {
                return depth(n + 1) + 1;
            } catch (StackOverflowError e) {
                return -1;
            }
        }

        @Override
        public void start(VcpuContext vcpu) {
            try {
                vcpu.gate().call(DONE, depth(0));
            } catch (Throwable t) {
                vcpu.gate().call(CAUGHT);
            }
        }
    }

    /** Unbounded recursion through constructors (not depth-counted): the JVM's own overflow. */
    public static class ConstructorRecursion implements GuestKernel {
        static final class R {
            final R inner;

            R() {
                inner = new R();
            }
        }

        @Override
        public void start(VcpuContext vcpu) {
            try {
                vcpu.gate().call(DONE, new R().hashCode());
            } catch (Throwable t) {
                vcpu.gate().call(CAUGHT);
            }
        }
    }

    /** Static state: each domain must have its own. */
    public static class StaticCounter implements GuestKernel {
        static int count;

        @Override
        public void start(VcpuContext vcpu) {
            count += 1 + vcpu.vcpuId();
            vcpu.gate().call(DONE, count);
        }
    }

    /** Uses the SDK (here a test stand-in under dev.domus.sdk) and its static state. */
    public static class UsesSdk implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            vcpu.gate().call(DONE, dev.domus.sdk.LoaderProbe.next());
        }
    }

    /**
     * Tries to find another domain's gate: vCPU 0 leaves its own gate in an SDK static;
     * vCPU 1 (run in another domain by the test) reports whether it finds any gate there.
     */
    public static class GateThief implements GuestKernel {
        @Override
        public void start(VcpuContext vcpu) {
            if (vcpu.vcpuId() == 0) {
                dev.domus.sdk.LoaderProbe.stash(vcpu.gate());
                vcpu.gate().call(DONE, 0);
            } else {
                vcpu.gate().call(DONE, dev.domus.sdk.LoaderProbe.peek() == null ? 0 : 1);
            }
        }
    }
}
