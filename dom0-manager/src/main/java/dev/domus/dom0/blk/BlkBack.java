package dev.domus.dom0.blk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.domus.abi.Blkif;
import dev.domus.abi.GrantTableOp;
import dev.domus.abi.GuestMemory;
import dev.domus.abi.Hypercalls;
import dev.domus.abi.XenbusState;
import dev.domus.abi.flyweight.GnttabMapGrantRefFlyweight;
import dev.domus.abi.flyweight.GnttabUnmapGrantRefFlyweight;
import dev.domus.dom0.config.DiskSpec;
import dev.domus.dom0.toolstack.XenstoreLayout;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.dom0.xenstore.Xenstored;
import dev.domus.dom0.xenstore.ring.BackendThread;
import dev.domus.dom0.xenstore.ring.Dom0Calls;
import dev.domus.hv.boot.Dom0;

/**
 * Dom0's blkback: serves file-backed virtual disks to guests over {@code blkif} rings, with
 * the xenbus handshake of {@code io/blkif.h}. For each disk the toolstack attaches, it
 * publishes {@code sectors}, {@code sector-size}, {@code info} (VDISK_READONLY for
 * {@code ,r} disks) and {@code feature-flush-cache} and goes InitWait; when the front end is
 * Initialised it maps the granted ring page ({@code GNTTABOP_map_grant_ref}), binds the event
 * channel, starts a {@link BackendThread} running a {@link BlkRing}, and goes Connected; when
 * the front end closes (or the domain goes) it unmaps and closes. Everything through Dom0's
 * gate; data moves by grant copy.
 */
public final class BlkBack implements AutoCloseable {

    private final Dom0 dom0;
    private final GuestMemory mem;
    private final XsClient xs;
    private final Map<String, Device> devices = new HashMap<>();
    private final Thread watcher;
    private volatile boolean closed;

    private final class Device {
        final int domid;
        final int devid;
        final DiskSpec disk;
        final FileChannel file;
        final long sectors;
        final String backend;
        final String frontend;
        final BlkCounters counters = new BlkCounters();
        BackendThread thread;

        Device(int domid, int devid, DiskSpec disk, FileChannel file, long sectors) {
            this.domid = domid;
            this.devid = devid;
            this.disk = disk;
            this.file = file;
            this.sectors = sectors;
            this.backend = XenstoreLayout.vbdBackendPath(domid, devid);
            this.frontend = XenstoreLayout.vbdFrontendPath(domid, devid);
        }

        String token() {
            return "blkback:" + domid + ":" + devid;
        }
    }

    public BlkBack(Dom0 dom0, Xenstored xenstored) {
        this.dom0 = dom0;
        this.mem = dom0.memory();
        this.xs = XsClient.connect(xenstored, 0);
        this.watcher = new Thread(this::watchLoop, "dom0-blkback-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * Publishes the disk for domain {@code domid} and waits (asynchronously) for its front end.
     * The toolstack has written the device's xenstore nodes already.
     *
     * @throws IOException if the file cannot be opened, or is writable and in use for writing
     */
    public synchronized void attach(int domid, DiskSpec disk) throws IOException {
        FileChannel file = disk.writable()
                ? FileChannel.open(disk.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(disk.path(), StandardOpenOption.READ);
        if (disk.writable()) {
            lockForWriting(file, disk);
        }
        Device d = new Device(domid, disk.virtualDevice(), disk, file, file.size() / 512);
        try {
            xs.write(d.backend + "/sectors", Long.toString(d.sectors));
            xs.write(d.backend + "/sector-size", "512");
            xs.write(d.backend + "/info", Integer.toString(disk.writable() ? 0 : Blkif.VDISK_READONLY));
            xs.write(d.backend + "/feature-flush-cache", "1");
            xs.write(d.backend + "/state", Integer.toString(XenbusState.XenbusStateInitWait));
            devices.put(d.token(), d);
            xs.watch(d.frontend + "/state", d.token());
        } catch (XsError e) {
            devices.remove(d.token());
            file.close();
            throw new IOException("cannot publish disk " + disk.vdev() + " of domain " + domid + ": " + e.getMessage());
        }
    }

    /** Takes the writer's lock on a writable disk's file, or closes it and says who may hold it. */
    private static void lockForWriting(FileChannel file, DiskSpec disk) throws IOException {
        FileLock lock;
        try {
            lock = file.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            file.close();
            throw e;
        }
        if (lock == null) {
            file.close();
            throw new IOException("in use for writing by another domain (on this host or another sharing the file): "
                    + "destroy that domain first, or attach this one ',r'");
        }
    }

    /** Whether {@code domid} has a disk attached. */
    public synchronized boolean attached(int domid) {
        return devices.values().stream().anyMatch(d -> d.domid == domid);
    }

    /** What blkback has served for {@code domid}'s attached disks (zeros when it has none). */
    public synchronized BlkStats stats(int domid) {
        BlkStats s = BlkStats.NONE;
        for (Device d : devices.values()) {
            if (d.domid == domid) {
                s = d.counters.add(s);
            }
        }
        return s;
    }

    /** Disconnects and forgets every disk of {@code domid} (before the domain is destroyed). */
    public void detach(int domid) {
        List<Device> gone = new ArrayList<>();
        synchronized (this) {
            devices.values().removeIf(d -> {
                if (d.domid == domid) {
                    gone.add(d);
                    return true;
                }
                return false;
            });
        }
        for (Device d : gone) {
            try {
                xs.unwatch(d.frontend + "/state", d.token());
            } catch (XsError ignored) {
                // the tree may be gone already
            }
            disconnect(d);
            try {
                if (d.disk.writable()) {
                    d.file.force(true); // what the guest wrote is on the storage before the lock goes
                }
            } catch (IOException e) {
                System.err.println("domusd: blkback: flushing " + d.disk.path() + " of domain " + domid + ": " + e);
            }
            try {
                d.file.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void watchLoop() {
        while (!closed) {
            try {
                XsClient.WatchFired w = xs.nextWatchEvent(1, TimeUnit.SECONDS);
                if (w != null) {
                    onFrontendState(w.token());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    System.err.println("domusd: blkback: " + e);
                }
            }
        }
    }

    private void onFrontendState(String token) {
        Device d;
        synchronized (this) {
            d = devices.get(token);
        }
        if (d == null) {
            return;
        }
        int state;
        try {
            state = Integer.parseInt(xs.read(d.frontend + "/state").trim());
        } catch (XsError | NumberFormatException e) {
            return;
        }
        if ((state == XenbusState.XenbusStateInitialised || state == XenbusState.XenbusStateConnected)
                && d.thread == null) {
            connect(d);
        } else if (state == XenbusState.XenbusStateClosing || state == XenbusState.XenbusStateClosed) {
            disconnect(d);
            xs.write(d.backend + "/state", Integer.toString(XenbusState.XenbusStateClosed));
        }
    }

    /** Maps the ring, binds the channel, starts serving; on failure reports Closed with an error. */
    private void connect(Device d) {
        int ref;
        int evtchn;
        try {
            ref = Integer.parseInt(xs.read(d.frontend + "/ring-ref").trim());
            evtchn = Integer.parseInt(xs.read(d.frontend + "/event-channel").trim());
        } catch (XsError | NumberFormatException e) {
            fail(d, "bad ring-ref or event-channel: " + e.getMessage());
            return;
        }
        long slot = dom0.pages().allocateSlots(1);
        long ringAddr = slot << 12;
        long scratch = dom0.pages().allocate(2);
        long bounce = scratch + 4096;
        mem.setMemory(scratch, GnttabMapGrantRefFlyweight.LENGTH, (byte) 0);
        mem.putLong(scratch + GnttabMapGrantRefFlyweight.HOST_ADDR_OFFSET, ringAddr);
        mem.putInt(scratch + GnttabMapGrantRefFlyweight.FLAGS_OFFSET, GrantTableOp.GNTMAP_host_map);
        mem.putInt(scratch + GnttabMapGrantRefFlyweight.REF_OFFSET, ref);
        mem.putShort(scratch + GnttabMapGrantRefFlyweight.DOM_OFFSET, (short) d.domid);
        long rc = dom0.gate().call(Hypercalls.__HYPERVISOR_grant_table_op, GrantTableOp.GNTTABOP_map_grant_ref,
                scratch, 1);
        short status = mem.getShort(scratch + GnttabMapGrantRefFlyweight.STATUS_OFFSET);
        if (rc != 0 || status != GrantTableOp.GNTST_okay) {
            dom0.pages().freeSlots(slot, 1);
            dom0.pages().free(scratch, 2);
            fail(d, "cannot map ring-ref " + ref + " (rc " + rc + ", status " + status + ")");
            return;
        }
        int handle = mem.getInt(scratch + GnttabMapGrantRefFlyweight.HANDLE_OFFSET);
        Dom0Calls calls = new Dom0Calls(dom0);
        int local;
        try {
            local = calls.bindInterdomain(d.domid, evtchn);
        } catch (RuntimeException e) {
            unmap(scratch, ringAddr, handle);
            calls.close();
            dom0.pages().freeSlots(slot, 1);
            dom0.pages().free(scratch, 2);
            fail(d, "cannot bind event-channel " + evtchn + ": " + e.getMessage());
            return;
        }
        BlkRing ring = new BlkRing(mem, dom0.gate(), calls, ringAddr, bounce, scratch, d.domid, local, d.file,
                d.disk.writable(), d.sectors, d.counters);
        d.thread = new BackendThread("blkback-d" + d.domid + "-" + d.disk.vdev(), calls, local, ring::drain, () -> {
            calls.closePort(local);
            unmap(scratch, ringAddr, handle);
            calls.close();
            dom0.pages().freeSlots(slot, 1);
            dom0.pages().free(scratch, 2);
        });
        d.thread.start();
        xs.write(d.backend + "/state", Integer.toString(XenbusState.XenbusStateConnected));
    }

    private void unmap(long scratch, long hostAddr, int handle) {
        mem.setMemory(scratch, GnttabUnmapGrantRefFlyweight.LENGTH, (byte) 0);
        mem.putLong(scratch + GnttabUnmapGrantRefFlyweight.HOST_ADDR_OFFSET, hostAddr);
        mem.putInt(scratch + GnttabUnmapGrantRefFlyweight.HANDLE_OFFSET, handle);
        dom0.gate().call(Hypercalls.__HYPERVISOR_grant_table_op, GrantTableOp.GNTTABOP_unmap_grant_ref, scratch, 1);
    }

    private void fail(Device d, String why) {
        xs.write(d.backend + "/hotplug-error", why);
        xs.write(d.backend + "/state", Integer.toString(XenbusState.XenbusStateClosed));
    }

    private void disconnect(Device d) {
        BackendThread t = d.thread;
        d.thread = null;
        if (t != null) {
            t.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        List<Integer> doms = new ArrayList<>();
        synchronized (this) {
            for (Device d : devices.values()) {
                doms.add(d.domid);
            }
        }
        for (int domid : doms) {
            detach(domid);
        }
        watcher.interrupt();
        try {
            watcher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        xs.close();
    }
}
