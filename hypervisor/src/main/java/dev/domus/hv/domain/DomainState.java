package dev.domus.hv.domain;

/**
 * A domain's life, as Xen's getdomaininfo reports it. {@code CREATED} is Xen's "paused since
 * creation, kernel not yet started"; {@code SHUTDOWN} carries a reason
 * ({@code SHUTDOWN_poweroff/reboot/suspend/crash/watchdog}); {@code DYING} is set by destroy
 * and never left.
 */
public enum DomainState {
    CREATED,
    RUNNING,
    SHUTDOWN,
    DYING
}
