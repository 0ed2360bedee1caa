package io.drsp.agent;

import java.util.Map;

/**
 * One member's state when a snapshot point is taken: its GTID set and where its binary log stood, and, on a shard
 * primary, the checksum of every table (empty when checksums are turned off): what the drill's purge proves again.
 */
public record MemberSnapshot(String node, String endpoint, String gtidExecuted, String binlogFile, long binlogPosition,
                             long takenAtMicros, Map<String, Long> tableChecksums) implements AgentMessage {
    public MemberSnapshot {
        tableChecksums = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(tableChecksums == null ? Map.of() : tableChecksums));
    }

    public MemberSnapshot withChecksums(Map<String, Long> sums) {
        return new MemberSnapshot(node, endpoint, gtidExecuted, binlogFile, binlogPosition, takenAtMicros, sums);
    }
}
