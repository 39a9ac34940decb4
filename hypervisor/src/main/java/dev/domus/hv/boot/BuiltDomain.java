package dev.domus.hv.boot;

/**
 * A domain {@link DomainBuilder} built. Frame numbers are the domain's own guest frames
 * (Domus guests are auto-translated); ports are in the domain's own port space, allocated
 * unbound for Dom0 (Dom0's xenstored and console backend bind to them with
 * {@code EVTCHNOP_bind_interdomain}).
 *
 * @param domid          the new domain's id
 * @param nrPages        RAM pages populated (PFNs 0..nrPages-1)
 * @param startInfoPfn   frame of start_info
 * @param sharedInfoPfn  frame of shared_info
 * @param storePfn       frame of the xenstore ring (xenstore_domain_interface, zeroed)
 * @param storePort      the guest's xenstore event channel port
 * @param consolePfn     frame of the console ring (xencons_interface, zeroed)
 * @param consolePort    the guest's console event channel port
 * @param firstFreePfn   first frame the guest may use freely (above the special pages)
 */
public record BuiltDomain(int domid, long nrPages, long startInfoPfn, long sharedInfoPfn,
                          long storePfn, int storePort, long consolePfn, int consolePort, long firstFreePfn) {
}
