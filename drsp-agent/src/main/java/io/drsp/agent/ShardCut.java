package io.drsp.agent;

/**
 * What a DR shard's relay index says about a recovery target: GTID sets as MySQL prints them, times in microseconds
 * since the epoch of production's clock. {@code cut} is the retrieved transactions the target selects; the planner
 * decides from these alone, without asking anything else.
 */
public record ShardCut(String node, String serverUuid, String executed, String retrieved, String cut, Long cutLastCommitMicros,
                       Long firstRetrievedMicros, Long lastRetrievedMicros, Long lastAppliedMicros, long bytesToReplay,
                       Double applyRatePerSecond, String error) implements AgentMessage {

    public static ShardCut failed(NodeKey key, String error) {
        return new ShardCut(key.toString(), null, null, null, null, null, null, null, null, 0, null, error);
    }
}
