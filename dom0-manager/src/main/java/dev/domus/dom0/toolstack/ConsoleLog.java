package dev.domus.dom0.toolstack;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Each domain's console output, as {@code domus console} shows it: the hypervisor puts every
 * guest {@code CONSOLEIO_write} on the host console ring prefixed with {@code "(dN) "} (as
 * Xen does); Dom0 drains that ring with {@code XEN_SYSCTL_readconsole} and this class splits
 * it back per domain. Each domain keeps its last {@value #LIMIT} characters.
 *
 * <p>Limitation: a guest that itself prints {@code "(dN) "} can misattribute the rest of
 * that write; Xen's own {@code xl dmesg} has the same ambiguity.
 */
public final class ConsoleLog {

    static final int LIMIT = 64 * 1024;

    private final Map<Integer, Buffer> buffers = new HashMap<>();
    private final StringBuilder pending = new StringBuilder();
    private int current = -1;

    private static final class Buffer {
        final StringBuilder text = new StringBuilder();
        long total;
    }

    /** Feeds bytes read from the host console ring. */
    public synchronized void feed(byte[] data, int length) {
        pending.append(new String(data, 0, length, StandardCharsets.UTF_8));
        int i = 0;
        while (i < pending.length()) {
            int p = pending.indexOf("(d", i);
            if (p < 0) {
                append(pending, i, pending.length());
                i = pending.length();
                break;
            }
            int close = pending.indexOf(") ", p);
            if (close < 0) {
                // maybe a prefix split across reads: keep it for the next feed
                append(pending, i, p);
                i = p;
                if (pending.length() - p > 8) {
                    append(pending, p, pending.length());
                    i = pending.length();
                }
                break;
            }
            String digits = pending.substring(p + 2, close);
            if (!digits.isEmpty() && digits.length() <= 5 && digits.chars().allMatch(Character::isDigit)) {
                append(pending, i, p);
                current = Integer.parseInt(digits);
                i = close + 2;
            } else {
                append(pending, i, p + 2);
                i = p + 2;
            }
        }
        pending.delete(0, i);
        notifyAll();
    }

    private void append(CharSequence s, int from, int to) {
        if (from >= to || current < 0) {
            return;
        }
        Buffer b = buffers.computeIfAbsent(current, k -> new Buffer());
        b.text.append(s, from, to);
        b.total += to - from;
        if (b.text.length() > LIMIT) {
            b.text.delete(0, b.text.length() - LIMIT);
        }
    }

    /** Characters ever written by the domain (a position for {@link #since}). */
    public synchronized long total(int domid) {
        Buffer b = buffers.get(domid);
        return b == null ? 0 : b.total;
    }

    /** The domain's output after position {@code from} (as much as is still kept). */
    public synchronized String since(int domid, long from) {
        Buffer b = buffers.get(domid);
        if (b == null) {
            return "";
        }
        long keptFrom = b.total - b.text.length();
        int start = (int) Math.max(0, from - keptFrom);
        return start >= b.text.length() ? "" : b.text.substring(start);
    }

    /** Waits until the domain has written beyond {@code position}, or the timeout passes. */
    public synchronized boolean awaitBeyond(int domid, long position, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (total(domid) <= position) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Forgets a destroyed domain's output (a new domain may reuse its id). */
    public synchronized void forget(int domid) {
        buffers.remove(domid);
        if (current == domid) {
            current = -1;
        }
        notifyAll();
    }
}
