package dev.domus.dom0.config;

import java.nio.file.Path;

/**
 * One {@code disk = [...]} entry: a file-backed virtual block device.
 *
 * @param path     the backing file (absolute)
 * @param vdev     the guest's device name ({@code xvda}, ...)
 * @param writable false for {@code r}/{@code ro}
 */
public record DiskSpec(Path path, String vdev, boolean writable) {

    /** The xvd device number Xen derives from the name: (202 << 8) | (letter index << 4). */
    public int virtualDevice() {
        char c = vdev.charAt(3);
        return (202 << 8) | ((c - 'a') << 4);
    }
}
