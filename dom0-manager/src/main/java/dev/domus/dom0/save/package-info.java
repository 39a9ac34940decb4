/**
 * Hibernate and restore (issue 9): the save image format ({@link dev.domus.dom0.save.ImageFormat},
 * written by {@link dev.domus.dom0.save.ImageWriter} and {@link dev.domus.dom0.save.PageBatch},
 * checked and read by {@link dev.domus.dom0.save.ImageReader}), the suspend handshake
 * ({@link dev.domus.dom0.save.Suspender}), and the page movers that work through Dom0's foreign
 * mappings ({@link dev.domus.dom0.save.GuestPageIo}, {@link dev.domus.dom0.save.DomainSaver},
 * {@link dev.domus.dom0.save.DomainLoader}). The toolstack's {@code save} and {@code restore}
 * commands drive them.
 */
package dev.domus.dom0.save;
