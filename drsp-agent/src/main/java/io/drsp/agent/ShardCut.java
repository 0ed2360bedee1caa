package io.drsp.agent;

/**
 * What a DR shard's relay index says about a recovery target: GTID sets as MySQL prints them, times in microseconds
 * since the epoch of production's clock. {@code cut} is the retrieved transactions the target selects; the planner
 * decides from these alone, without asking anything else.
 *
 * <p>{@code wouldApply}, {@code firstOutsideCut} and {@code cutPrefix} describe the cut in relay order (see
 * {@link io.drsp.agent.relay.ReplayClosure}): what replaying to it would really apply, the first transaction that
 * would be applied without being in the cut (null when the cut is a prefix of the unapplied relay log), and the
 * longest prefix the cut holds. {@code applierRunning}: whether the shard's applier is running now.
 */
public record ShardCut(String node, String serverUuid, String executed, String retrieved, String cut, Long cutLastCommitMicros,
                       Long firstRetrievedMicros, Long lastRetrievedMicros, Long lastAppliedMicros, long bytesToReplay,
                       Double applyRatePerSecond, String wouldApply, String firstOutsideCut, String cutPrefix,
                       boolean applierRunning, String error) implements AgentMessage {

    public static ShardCut failed(NodeKey key, String error) {
        return new ShardCut(key.toString(), null, null, null, null, null, null, null, null, 0, null, null, null, null, false, error);
    }
}
