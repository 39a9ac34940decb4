package dev.domus.dom0.xenstore;

/**
 * Per-domain limits for unprivileged domains (Dom0 has none). Defaults are C xenstored's
 * in Xen 4.17: 1000 nodes, 2048-byte entries, 128 watches, 10 open transactions, 20
 * outstanding requests, and a hard memory quota of 2.5 MiB, which here bounds what is queued
 * for a domain that does not read its responses (XSA-326).
 *
 * @param maxNodes nodes one domain may own; beyond it a create fails with {@code ENOSPC}
 * @param maxEntrySize bytes of one node (value, child names, permissions); beyond it {@code ENOSPC}
 * @param maxWatches watches one connection may hold; beyond it {@code E2BIG}
 * @param maxTransactions transactions one connection may have open; beyond it {@code ENOSPC}
 * @param maxOutstanding responses and watch events queued for a guest that it has not read yet;
 *        at the limit xenstored reads no more of its requests until it reads some
 * @param maxPendingBytes bytes queued for a guest that it has not read yet; a watch event that
 *        would pass it is dropped (the guest's own problem: it is not reading)
 */
public record XsQuota(int maxNodes, int maxEntrySize, int maxWatches, int maxTransactions,
                      int maxOutstanding, int maxPendingBytes) {

    public static final XsQuota DEFAULT = new XsQuota(1000, 2048, 128, 10, 20, 2 * 1024 * 1024 + 512 * 1024);

    public XsQuota {
        if (maxNodes < 1 || maxEntrySize < 1 || maxWatches < 1 || maxTransactions < 1
                || maxOutstanding < 1 || maxPendingBytes < 1) {
            throw new IllegalArgumentException("xenstore quotas must be positive: " + maxNodes + ", "
                    + maxEntrySize + ", " + maxWatches + ", " + maxTransactions + ", " + maxOutstanding
                    + ", " + maxPendingBytes);
        }
    }

    /** The node and connection quotas, with Xen's defaults for the output limits. */
    public XsQuota(int maxNodes, int maxEntrySize, int maxWatches, int maxTransactions) {
        this(maxNodes, maxEntrySize, maxWatches, maxTransactions, DEFAULT.maxOutstanding, DEFAULT.maxPendingBytes);
    }
}
