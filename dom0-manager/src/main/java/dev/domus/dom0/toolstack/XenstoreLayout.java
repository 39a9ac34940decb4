package dev.domus.dom0.toolstack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.domus.abi.XenbusState;
import dev.domus.dom0.config.DiskSpec;
import dev.domus.dom0.config.DomainConfig;
import dev.domus.dom0.xenstore.XsClient;
import dev.domus.dom0.xenstore.XsError;
import dev.domus.dom0.xenstore.XsPermission;
import dev.domus.hv.boot.BuiltDomain;

/**
 * The xenstore tree a new domain gets, laid out as libxl lays it out, written in one
 * transaction (so a failure leaves nothing):
 *
 * <pre>
 * /vm/UUID/{name,uuid,start_time}
 * /local/domain/N                      owner Dom0; N may read
 *   name, domid, vm
 *   memory/{static-max,target}         (KiB; the balloon driver watches target)
 *   cpu/I/availability                 online | offline
 *   store/{ring-ref,port}  console/{ring-ref,port,type,limit}
 *   control/shutdown                   N may write (the guest acknowledges)
 *   control/feature-*, data/, device/  owned by N
 *   device/vbd/DEV/{backend,backend-id,state,virtual-device,device-type}
 * /local/domain/0/backend/vbd/N/DEV/{frontend,frontend-id,params,mode,type,dev,online,state,...}
 * </pre>
 */
public final class XenstoreLayout {

    private XenstoreLayout() {
    }

    public static String domainPath(int domid) {
        return "/local/domain/" + domid;
    }

    public static String vbdBackendPath(int domid, int devid) {
        return "/local/domain/0/backend/vbd/" + domid + "/" + devid;
    }

    public static String vbdFrontendPath(int domid, int devid) {
        return domainPath(domid) + "/device/vbd/" + devid;
    }

    /** Writes the whole tree for {@code d} in one transaction; retries on EAGAIN. Returns the vm uuid. */
    public static String write(XsClient xs, BuiltDomain d, DomainConfig cfg) {
        String uuid = UUID.randomUUID().toString();
        int n = d.domid();
        String dom = domainPath(n);
        List<XsPermission> roGuest = List.of(new XsPermission(0, 'n'), new XsPermission(n, 'r'));
        List<XsPermission> rwGuest = List.of(new XsPermission(n, 'n'));
        Map<String, String> ro = new LinkedHashMap<>();
        ro.put("/vm/" + uuid + "/name", cfg.name());
        ro.put("/vm/" + uuid + "/uuid", uuid);
        ro.put("/vm/" + uuid + "/start_time", Long.toString(System.currentTimeMillis() / 1000));
        ro.put(dom + "/name", cfg.name());
        ro.put(dom + "/domid", Integer.toString(n));
        ro.put(dom + "/vm", "/vm/" + uuid);
        ro.put(dom + "/memory/static-max", Long.toString(cfg.maxmemMib() * 1024));
        ro.put(dom + "/memory/target", Long.toString(cfg.memoryMib() * 1024));
        for (int i = 0; i < cfg.vcpus(); i++) {
            ro.put(dom + "/cpu/" + i + "/availability", "online");
        }
        ro.put(dom + "/store/ring-ref", Long.toString(d.storePfn()));
        ro.put(dom + "/store/port", Integer.toString(d.storePort()));
        ro.put(dom + "/console/ring-ref", Long.toString(d.consolePfn()));
        ro.put(dom + "/console/port", Integer.toString(d.consolePort()));
        ro.put(dom + "/console/type", "xenconsoled");
        ro.put(dom + "/console/limit", "1048576");
        Map<String, String> rw = new LinkedHashMap<>();
        rw.put(dom + "/control/shutdown", "");
        rw.put(dom + "/data", "");
        rw.put(dom + "/device", "");
        List<String> backendDirs = new ArrayList<>();
        Map<String, String> backend = new LinkedHashMap<>();
        for (DiskSpec disk : cfg.disks()) {
            int dev = disk.virtualDevice();
            String fe = vbdFrontendPath(n, dev);
            String be = vbdBackendPath(n, dev);
            rw.put(fe + "/backend", be);
            rw.put(fe + "/backend-id", "0");
            rw.put(fe + "/state", Integer.toString(XenbusState.XenbusStateInitialising));
            rw.put(fe + "/virtual-device", Integer.toString(dev));
            rw.put(fe + "/device-type", "disk");
            backendDirs.add(be);
            backend.put(be + "/frontend", fe);
            backend.put(be + "/frontend-id", Integer.toString(n));
            backend.put(be + "/params", disk.path().toString());
            backend.put(be + "/type", "file");
            backend.put(be + "/mode", disk.writable() ? "w" : "r");
            backend.put(be + "/dev", disk.vdev());
            backend.put(be + "/device-type", "disk");
            backend.put(be + "/online", "1");
            backend.put(be + "/removable", "0");
            backend.put(be + "/state", Integer.toString(XenbusState.XenbusStateInitialising));
        }
        for (int attempt = 0; ; attempt++) {
            int tx = xs.transactionStart();
            try {
                xs.mkdir(tx, dom);
                xs.setPerms(tx, dom, roGuest);
                for (var e : ro.entrySet()) {
                    xs.write(tx, e.getKey(), e.getValue());
                    xs.setPerms(tx, e.getKey(), roGuest);
                }
                for (var e : rw.entrySet()) {
                    xs.write(tx, e.getKey(), e.getValue());
                    xs.setPerms(tx, e.getKey(), rwGuest);
                }
                for (var e : backend.entrySet()) {
                    xs.write(tx, e.getKey(), e.getValue());
                    xs.setPerms(tx, e.getKey(), roGuest);
                }
                for (String be : backendDirs) {
                    xs.setPerms(tx, be, roGuest);
                }
            } catch (XsError e) {
                xs.transactionEnd(tx, false);
                throw e;
            }
            if (xs.transactionEnd(tx, true)) {
                return uuid;
            }
            if (attempt >= 10) {
                throw new XsError("EAGAIN", "xenstore stayed busy while writing domain " + n + "'s tree");
            }
        }
    }

    /** Removes everything {@link #write} made for the domain (missing nodes are fine). */
    public static void remove(XsClient xs, int domid, String uuid) {
        rmQuietly(xs, domainPath(domid));
        rmQuietly(xs, "/local/domain/0/backend/vbd/" + domid);
        if (uuid != null) {
            rmQuietly(xs, "/vm/" + uuid);
        }
    }

    private static void rmQuietly(XsClient xs, String path) {
        try {
            xs.rm(path);
        } catch (XsError e) {
            if (!e.errorName().equals("ENOENT")) {
                throw e;
            }
        }
    }
}
