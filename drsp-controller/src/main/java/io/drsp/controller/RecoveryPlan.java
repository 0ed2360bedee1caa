package io.drsp.controller;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Where each DR shard must stand after a recovery: the whole GTID set it must have executed, what that means to
 * replay, and the production time the cluster will stand for ({@code clusterTimeMicros}).
 */
public record RecoveryPlan(TargetSpec target, List<ShardPlan> shards, Long clusterTimeMicros) implements ControllerJson {
    public RecoveryPlan {
        shards = List.copyOf(shards);
    }

    public record ShardPlan(String shard, String targetGtids, String executedAtPlan, long transactionsToReplay,
                            long bytesToReplay, Long lastCommitMicros, Double applyRatePerSecond) {
        /**
         * Seconds at the apply rate last measured on this shard; null when none was measured yet. Written out for the
         * CLI's dry-run table (it is not a component, so without the annotation it was never sent), never read back.
         */
        @JsonProperty(value = "estimatedSeconds", access = JsonProperty.Access.READ_ONLY)
        public Double estimatedSeconds() {
            return applyRatePerSecond == null || applyRatePerSecond <= 0 ? null : transactionsToReplay / applyRatePerSecond;
        }
    }

    public ShardPlan shard(String name) {
        return shards.stream().filter(s -> s.shard().equals(name)).findFirst().orElseThrow();
    }
}
