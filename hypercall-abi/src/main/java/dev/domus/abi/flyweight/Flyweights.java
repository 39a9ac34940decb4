package dev.domus.abi.flyweight;

import java.util.List;

/** Every flyweight's layout, in a fixed order: what the ABI dump prints under "structs". */
public final class Flyweights {

    private Flyweights() {
    }

    /** The layouts of all flyweights of this package. */
    public static final List<StructLayout> LAYOUTS = List.of(
            MulticallEntryFlyweight.LAYOUT,
            MmuUpdateFlyweight.LAYOUT,
            EvtchnAllocUnboundFlyweight.LAYOUT,
            EvtchnBindInterdomainFlyweight.LAYOUT,
            EvtchnBindVirqFlyweight.LAYOUT,
            EvtchnBindIpiFlyweight.LAYOUT,
            EvtchnCloseFlyweight.LAYOUT,
            EvtchnSendFlyweight.LAYOUT,
            EvtchnStatusFlyweight.LAYOUT,
            EvtchnUnmaskFlyweight.LAYOUT,
            GrantEntryV1Flyweight.LAYOUT,
            GnttabSetupTableFlyweight.LAYOUT,
            GnttabQuerySizeFlyweight.LAYOUT,
            GnttabMapGrantRefFlyweight.LAYOUT,
            GnttabUnmapGrantRefFlyweight.LAYOUT,
            GnttabCopyFlyweight.LAYOUT,
            SchedShutdownFlyweight.LAYOUT,
            SchedPollFlyweight.LAYOUT,
            SchedRemoteShutdownFlyweight.LAYOUT,
            XenMemoryReservationFlyweight.LAYOUT,
            XenconsInterfaceFlyweight.LAYOUT,
            XsdSockmsgFlyweight.LAYOUT,
            BlkifRequestSegmentFlyweight.LAYOUT,
            BlkifRequestFlyweight.LAYOUT,
            BlkifResponseFlyweight.LAYOUT,
            BlkifSringFlyweight.LAYOUT,
            VcpuTimeInfoFlyweight.LAYOUT,
            VcpuInfoFlyweight.LAYOUT,
            SharedInfoFlyweight.LAYOUT,
            StartInfoFlyweight.LAYOUT,
            XenDomctlFlyweight.LAYOUT,
            DomctlCreateDomainFlyweight.LAYOUT,
            DomctlGetDomainInfoFlyweight.LAYOUT,
            DomctlMaxMemFlyweight.LAYOUT,
            DomctlMaxVcpusFlyweight.LAYOUT,
            DomctlSchedulerOpFlyweight.LAYOUT,
            DomctlVcpuAffinityFlyweight.LAYOUT,
            DomctlShadowOpFlyweight.LAYOUT,
            XenSysctlFlyweight.LAYOUT,
            SysctlPhysinfoFlyweight.LAYOUT,
            SysctlGetDomainInfoListFlyweight.LAYOUT,
            SysctlSchedIdFlyweight.LAYOUT,
            XenstoreDomainInterfaceFlyweight.LAYOUT,
            VcpuSetSingleshotTimerFlyweight.LAYOUT,
            VcpuSetPeriodicTimerFlyweight.LAYOUT,
            VcpuRunstateInfoFlyweight.LAYOUT,
            EvtchnBindVcpuFlyweight.LAYOUT,
            XenFeatureInfoFlyweight.LAYOUT,
            XenAddToPhysmapFlyweight.LAYOUT,
            XenMemoryExchangeFlyweight.LAYOUT,
            DomctlGetVcpuInfoFlyweight.LAYOUT,
            DomctlDomusKernelFlyweight.LAYOUT,
            DomusAsyncRequestFlyweight.LAYOUT,
            DomusAsyncResponseFlyweight.LAYOUT);
}
