package io.drsp.controller;

import java.util.Map;

/** Where a recovery actually stopped: each shard's GTID set, and the production time the cluster stands for. */
public record RecoveryPoint(Map<String, String> shardGtids, Long clusterTimeMicros, String target) implements ControllerJson {
    public RecoveryPoint {
        shardGtids = Map.copyOf(shardGtids);
    }
}
