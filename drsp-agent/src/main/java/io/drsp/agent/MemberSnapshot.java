package io.drsp.agent;

/** One member's state when a snapshot point is taken: its GTID set and where its binary log stood. */
public record MemberSnapshot(String node, String endpoint, String gtidExecuted, String binlogFile, long binlogPosition,
                             long takenAtMicros) implements AgentMessage {
}
