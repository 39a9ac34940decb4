package dev.domus.dom0.migrate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a live migration did: per round the pages sent and the pages dirtied meanwhile (left
 * for the next round), then the stop-and-copy round, the downtime (from the domain stopping
 * on the source, suspended, to the target's confirmation that it runs), the time the guest
 * took to reach its suspend point (it runs meanwhile), and the total time; and how the pages
 * went: zero pages (no data), ballooned PFNs sent as absent, paged-out pages read from the
 * paging file (not paged in). A PFN sent in more than one round counts once per round.
 */
public final class MigrationReport {

    /** One round: {@code final} is the stop-and-copy round, sent with the domain suspended. */
    public record Round(int number, long pagesSent, long dirtyLeft, long bytes, long nanos, boolean last) {
    }

    final List<Round> rounds = new ArrayList<>();
    String domain = "";
    String target = "";
    int sourceDomid = -1;
    int targetDomid = -1;
    long bytes;
    long zeroPages;
    long absentPages;
    long pagedPages;
    long suspendNanos;
    long targetWaitNanos;
    long downtimeNanos;
    long totalNanos;

    public List<Round> rounds() {
        return rounds;
    }

    public int targetDomid() {
        return targetDomid;
    }

    public long downtimeNanos() {
        return downtimeNanos;
    }

    public long totalNanos() {
        return totalNanos;
    }

    public long bytes() {
        return bytes;
    }

    /** Ballooned (or never populated) PFNs sent as absent, with no data. */
    public long absentPages() {
        return absentPages;
    }

    /** Paged-out pages sent with their data read from the source's paging file, not paged in. */
    public long pagedPages() {
        return pagedPages;
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    /** The operator's text. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Round r : rounds) {
            sb.append(String.format(Locale.ROOT, "round %d%s: %d pages sent, %d dirty left, %s ms%n", r.number(),
                    r.last() ? " (stop-and-copy)" : "", r.pagesSent(), r.dirtyLeft(), ms(r.nanos())));
        }
        sb.append(String.format(Locale.ROOT,
                "migrated %s (domid %d) to %s as domid %d: %d rounds, %d bytes (%d zero pages not sent, "
                        + "%d absent, %d paged out read from the paging file), "
                        + "downtime %s ms (suspend took %s ms), total %s ms%n",
                domain, sourceDomid, target, targetDomid, rounds.size(), bytes, zeroPages, absentPages, pagedPages,
                ms(downtimeNanos),
                ms(suspendNanos), ms(totalNanos)));
        return sb.toString();
    }

    /** For scripts ({@code --json}). */
    public String json() {
        StringBuilder sb = new StringBuilder("{\"domain\":").append(dev.domus.dom0.control.Json.quote(domain))
                .append(",\"source_domid\":").append(sourceDomid)
                .append(",\"target\":").append(dev.domus.dom0.control.Json.quote(target))
                .append(",\"target_domid\":").append(targetDomid)
                .append(",\"rounds\":[");
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"round\":").append(r.number())
                    .append(",\"stop_and_copy\":").append(r.last())
                    .append(",\"pages_sent\":").append(r.pagesSent())
                    .append(",\"dirty_left\":").append(r.dirtyLeft())
                    .append(",\"bytes\":").append(r.bytes())
                    .append(",\"ms\":").append(ms(r.nanos())).append('}');
        }
        return sb.append("],\"bytes\":").append(bytes)
                .append(",\"zero_pages\":").append(zeroPages)
                .append(",\"absent_pages\":").append(absentPages)
                .append(",\"paged_pages\":").append(pagedPages)
                .append(",\"target_wait_ms\":").append(ms(targetWaitNanos))
                .append(",\"suspend_ms\":").append(ms(suspendNanos))
                .append(",\"downtime_ms\":").append(ms(downtimeNanos))
                .append(",\"total_ms\":").append(ms(totalNanos)).append("}\n").toString();
    }
}
