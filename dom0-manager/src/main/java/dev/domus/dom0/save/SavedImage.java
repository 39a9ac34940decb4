package dev.domus.dom0.save;

import java.util.List;
import java.util.Map;

/**
 * Everything in a verified image except the page contents.
 *
 * @param info        the DOMUS_DOMAIN_INFO record
 * @param configSource the path the config was read from on the saving host, or null
 * @param config      the DOMUS_CONFIG text (xl.cfg), or null if the image has none
 * @param xenstore    the DOMUS_XENSTORE subtree (relative paths), empty if none
 * @param sharedInfo  the SHARED_INFO page, or null
 * @param vcpus       X86_PV_VCPU_BASIC records: {vcpu_id, online, cpu time ns}
 * @param normalPages pages with data
 * @param zeroPages   pages recorded as zero
 * @param absentPages PFNs recorded as absent (ballooned out)
 * @param bytes       the image's size
 */
public record SavedImage(SavedDomainInfo info, String configSource, String config, Map<String, String> xenstore, byte[] sharedInfo,
                         List<long[]> vcpus, long normalPages, long zeroPages, long absentPages, long bytes) {
}
