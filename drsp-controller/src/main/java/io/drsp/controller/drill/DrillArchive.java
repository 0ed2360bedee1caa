package io.drsp.controller.drill;

import io.drsp.controller.json.ControllerJson;
import java.util.Map;

/**
 * What a drill wrote on each DR shard since snapshot point {@code snapshotId}, as archived before the flashback:
 * the transactions the flashback undoes (and nothing else, however often it runs), and where their SQL is.
 */
public record DrillArchive(String snapshotId, Map<String, Shard> shards) implements ControllerJson {
    public DrillArchive {
        shards = Map.copyOf(shards);
    }

    /** One shard's drill: its GTID set, transactions and row changes, and the archive directory. */
    public record Shard(String drillGtids, long transactions, long rows, String archiveDir) {
    }

    public long transactions() {
        return shards.values().stream().mapToLong(Shard::transactions).sum();
    }

    public long rows() {
        return shards.values().stream().mapToLong(Shard::rows).sum();
    }
}
