package dev.domus.dom0.xenstore;

/**
 * Per-domain limits for unprivileged domains (Dom0 has none). Defaults are C xenstored's
 * in Xen 4.17: 1000 nodes, 2048-byte entries, 128 watches, 10 open transactions.
 *
 * @param maxNodes nodes one domain may own; beyond it a create fails with {@code ENOSPC}
 * @param maxEntrySize bytes of one node (value, child names, permissions); beyond it {@code ENOSPC}
 * @param maxWatches watches one connection may hold; beyond it {@code E2BIG}
 * @param maxTransactions transactions one connection may have open; beyond it {@code ENOSPC}
 */
public record XsQuota(int maxNodes, int maxEntrySize, int maxWatches, int maxTransactions) {

    public static final XsQuota DEFAULT = new XsQuota(1000, 2048, 128, 10);

    public XsQuota {
        if (maxNodes < 1 || maxEntrySize < 1 || maxWatches < 1 || maxTransactions < 1) {
            throw new IllegalArgumentException("xenstore quotas must be positive: " + maxNodes + ", "
                    + maxEntrySize + ", " + maxWatches + ", " + maxTransactions);
        }
    }
}
