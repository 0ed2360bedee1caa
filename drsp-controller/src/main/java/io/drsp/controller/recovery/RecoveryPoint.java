package io.drsp.controller.recovery;

import io.drsp.controller.json.ControllerJson;
import java.util.List;
import java.util.Map;

/**
 * Where a recovery actually stopped: each shard's GTID set, and the production time the cluster stands for.
 * {@code xa}: what making the point consistent across shards did (cuts moved back, branches completed or left out),
 * one sentence each, as the plan said it (empty when there was nothing to do).
 */
public record RecoveryPoint(Map<String, String> shardGtids, Long clusterTimeMicros, String target, List<String> xa)
        implements ControllerJson {
    public RecoveryPoint {
        shardGtids = Map.copyOf(shardGtids);
        xa = xa == null ? List.of() : List.copyOf(xa);
    }

    public RecoveryPoint(Map<String, String> shardGtids, Long clusterTimeMicros, String target) {
        this(shardGtids, clusterTimeMicros, target, List.of());
    }
}
