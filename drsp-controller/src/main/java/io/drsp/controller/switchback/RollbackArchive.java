package io.drsp.controller.switchback;

import io.drsp.controller.json.ControllerJson;
import java.util.List;
import java.util.Map;

/**
 * What laststamp archived on each production shard before rolling it back to the recovery point: the transactions
 * flashback undoes (exactly these, however often it runs: after a partial flashback production also holds undo
 * transactions, never to be taken for production's own), the XA branches it rolls back first, and where the SQL is.
 *
 * @param runbookId the laststamp or switchback that archived it: the archive directory is named after it
 */
public record RollbackArchive(String runbookId, Map<String, Shard> shards) implements ControllerJson {
    public RollbackArchive {
        shards = Map.copyOf(shards);
    }

    /**
     * @param flashbackGtids what flashback undoes on the shard's primary
     * @param rollbackXids   XA branches prepared after the point and undecided, as XA RECOVER prints them
     */
    public record Shard(String flashbackGtids, long transactions, long rows, Map<String, Long> tableRows,
                        List<String> rollbackXids, String archiveDir) {
        public Shard {
            tableRows = Map.copyOf(tableRows);
            rollbackXids = List.copyOf(rollbackXids);
        }
    }

    public long transactions() {
        return shards.values().stream().mapToLong(Shard::transactions).sum();
    }

    public long rows() {
        return shards.values().stream().mapToLong(Shard::rows).sum();
    }
}
