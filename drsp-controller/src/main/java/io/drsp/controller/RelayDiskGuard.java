package io.drsp.controller;

import io.drsp.agent.NodeInspection;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a DR member's disk can hold the relay log its delay makes it keep. During delayed sync the relay log holds
 * about a delay's worth of production's writes, so a delay raised from minutes to hours, or a busier production, can
 * fill the disk hours later and stop the receiver: exactly when DR is needed. Pure: from what the agents saw.
 */
public final class RelayDiskGuard {
    private RelayDiskGuard() {
    }

    /**
     * Relay log bytes production writes to a shard per second: the DR primary's unapplied backlog over the production
     * time it spans (its last applied to its last retrieved transaction). Null when unknown or spanning under 1 s.
     */
    public static Double bytesPerSecond(NodeInspection drPrimary) {
        NodeInspection.LinkView l = drPrimary == null ? null : drPrimary.link();
        if (l == null || l.backlogBytes() == null || l.lastRetrievedSourceMicros() == null || drPrimary.appliedSourceTimeMicros() == null) {
            return null;
        }
        double span = (l.lastRetrievedSourceMicros() - drPrimary.appliedSourceTimeMicros()) / 1e6;
        return span < 1 ? null : l.backlogBytes() / span;
    }

    /** The relay log a member's link keeps once it holds a whole delay at this rate; null when unknown. */
    public static Long projectedBytes(Double bytesPerSecond, NodeInspection.LinkView link) {
        return bytesPerSecond == null || link == null ? null : Math.round(bytesPerSecond * link.delaySeconds());
    }

    /** One sentence when the member's receiver runs and its relay log would outgrow the disk within the delay. */
    public static Optional<String> warning(NodeInspection member, Double bytesPerSecond) {
        NodeInspection.LinkView l = member == null ? null : member.link();
        Long projected = projectedBytes(bytesPerSecond, l);
        if (projected == null || l.relayDiskFreeBytes() == null || !"Yes".equals(l.ioRunning())) {
            return Optional.empty();
        }
        long room = l.relayLogSpaceBytes() + l.relayDiskFreeBytes();
        if (projected <= room) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "the relay log of %s would outgrow its disk within the delay: at %s/s"
                        + " of production writes a %d s delay keeps %s, and it has %s (%s of relay log, %s free); free disk"
                        + " there or lower the delay", member.node(), size(bytesPerSecond), l.delaySeconds(), size(projected),
                size(room), size(l.relayLogSpaceBytes()), size(l.relayDiskFreeBytes())));
    }

    /** Bytes as a DBA reads them: 1024-based units, one decimal above bytes. */
    public static String size(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (bytes >= 1024 && u < units.length - 1) {
            bytes /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    }
}
