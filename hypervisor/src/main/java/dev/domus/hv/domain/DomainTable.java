package dev.domus.hv.domain;

import dev.domus.abi.Virq;
import dev.domus.abi.Xen;
import dev.domus.hv.sched.RunTokens;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The host's domains by domid: allocation (lowest free id above the last one handed out,
 * wrapping, as Xen's {@code domid_alloc}), lookup without locks, removal at destroy.
 */
public final class DomainTable {

    /** Domids 0..DOMID_FIRST_RESERVED-1 are real domains. */
    public static final int MAX_DOMAINS = Xen.DOMID_FIRST_RESERVED;

    private final AtomicReferenceArray<Domain> domains = new AtomicReferenceArray<>(MAX_DOMAINS);
    private final RunTokens tokens;
    private final PhysmapFactory memory;
    private int lastDomid;

    public DomainTable(RunTokens tokens, PhysmapFactory memory) {
        this.tokens = tokens;
        this.memory = memory;
    }

    private volatile java.util.function.LongSupplier clock = System::nanoTime;

    /** The host's system time source (ns since boot), set by the hypervisor at wiring. */
    public void clock(java.util.function.LongSupplier systemTime) {
        this.clock = systemTime;
    }

    long systemTime() {
        return clock.getAsLong();
    }

    public PhysmapFactory memory() {
        return memory;
    }

    public RunTokens tokens() {
        return tokens;
    }

    /**
     * Creates a domain. {@code requested} 0 (for a domU) or a reserved id asks for any free id;
     * {@code 0} is given only for Dom0 ({@code dom0} true).
     *
     * @return the domain, or null if the requested id is taken or no id is free
     */
    public synchronized Domain create(int requested, boolean dom0, long maxPfn, long maxPages) {
        int domid;
        if (dom0) {
            domid = 0;
        } else if (requested > 0 && requested < MAX_DOMAINS) {
            domid = requested;
        } else {
            domid = -1;
            for (int i = 1; i < MAX_DOMAINS; i++) {
                int candidate = (lastDomid + i) % MAX_DOMAINS;
                if (candidate != 0 && domains.get(candidate) == null) {
                    domid = candidate;
                    break;
                }
            }
            if (domid < 0) {
                return null;
            }
        }
        if (domains.get(domid) != null) {
            return null;
        }
        Physmap physmap = memory.create(domid, maxPfn, maxPages);
        Domain d = new Domain(this, domid, physmap, tokens);
        domains.set(domid, d);
        if (!dom0) {
            lastDomid = domid;
        }
        return d;
    }

    /** The live domain {@code domid}, or null (unknown, destroyed, or out of range). */
    public Domain get(int domid) {
        if (domid < 0 || domid >= MAX_DOMAINS) {
            return null;
        }
        Domain d = domains.get(domid);
        return d != null && d.isAlive() ? d : null;
    }

    /** Live domains in domid order. */
    public List<Domain> list() {
        List<Domain> out = new ArrayList<>();
        for (int i = 0; i < MAX_DOMAINS; i++) {
            Domain d = domains.get(i);
            if (d != null && d.isAlive()) {
                out.add(d);
            }
        }
        return out;
    }

    void remove(Domain d) {
        domains.compareAndSet(d.domid(), d, null);
    }

    /** The scheduler unit id of a vCPU: unique per (domid, vcpu). */
    int unitId(int domid, int vcpu) {
        return domid * 64 + vcpu;
    }

    /** Tells Dom0 a domain shut down or crashed (VIRQ_DOM_EXC, as Xen does). */
    void domainException(Domain d) {
        Domain dom0 = get(0);
        if (dom0 != null) {
            dom0.raiseVirq(Virq.VIRQ_DOM_EXC);
        }
    }
}
