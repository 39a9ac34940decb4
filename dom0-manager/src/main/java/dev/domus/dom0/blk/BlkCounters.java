package dev.domus.dom0.blk;

import dev.domus.abi.Blkif;

/**
 * What one virtual disk's back end has served, kept by blkback itself (its ring thread is the
 * only writer; readers sum it from other threads and may be one request behind).
 */
final class BlkCounters {

    private volatile long readRequests;
    private volatile long writeRequests;
    private volatile long flushRequests;
    private volatile long errorRequests;
    private volatile long readBytes;
    private volatile long writeBytes;

    /** One request of {@code op} answered with {@code status}, having moved {@code bytes}. */
    void record(int op, int status, long bytes) {
        switch (op) {
            case Blkif.BLKIF_OP_READ -> {
                readRequests++;
                readBytes += bytes;
            }
            case Blkif.BLKIF_OP_WRITE -> {
                writeRequests++;
                writeBytes += bytes;
            }
            case Blkif.BLKIF_OP_FLUSH_DISKCACHE, Blkif.BLKIF_OP_WRITE_BARRIER -> flushRequests++;
            default -> {
                // an unsupported op: counted as an error below
            }
        }
        if (status != Blkif.BLKIF_RSP_OKAY) {
            errorRequests++;
        }
    }

    BlkStats add(BlkStats s) {
        return new BlkStats(s.readRequests() + readRequests, s.writeRequests() + writeRequests,
                s.flushRequests() + flushRequests, s.errorRequests() + errorRequests, s.readBytes() + readBytes,
                s.writeBytes() + writeBytes);
    }
}
