package dev.domus.dom0.blk;

/**
 * A domain's block I/O as blkback served it, summed over its disks. Counters: they only grow
 * while the domain's disks stay attached.
 *
 * @param readRequests  BLKIF_OP_READ requests
 * @param writeRequests BLKIF_OP_WRITE requests
 * @param flushRequests BLKIF_OP_FLUSH_DISKCACHE / WRITE_BARRIER requests
 * @param errorRequests requests answered with anything but BLKIF_RSP_OKAY
 * @param readBytes     bytes read from the disk files into the guest
 * @param writeBytes    bytes written from the guest to the disk files
 */
public record BlkStats(long readRequests, long writeRequests, long flushRequests, long errorRequests,
                       long readBytes, long writeBytes) {

    public static final BlkStats NONE = new BlkStats(0, 0, 0, 0, 0, 0);
}
