package io.drsp.controller.switchback;

import io.drsp.controller.json.ControllerJson;
import java.util.List;
import java.util.Map;

/**
 * What {@code laststamp} would do to production: per shard, every transaction it executed beyond the DR cluster's
 * recovery point, what flashing them back reverses, and the prepared XA branches it would decide first.
 *
 * @param clusterTimeMicros the production time the recovery point stands for (null when it was a GTID target)
 * @param target            the recovery target the point was reached with, as status shows it
 */
public record LaststampPlan(Long clusterTimeMicros, String target, List<Shard> shards) implements ControllerJson {
    public LaststampPlan {
        shards = List.copyOf(shards);
    }

    /**
     * @param pointGtids   the shard's recovery point
     * @param beyondGtids  what production executed beyond it: every one is undone (or, a prepared XA branch, rolled back)
     * @param transactions how many transactions that is
     * @param reversed     how many of them flashback reverses
     * @param rows         row changes reversed
     * @param tables       row changes reversed per table
     * @param xa           each prepared XA branch and what would be done with it first
     */
    public record Shard(String shard, String pointGtids, String beyondGtids, long transactions, long reversed, long rows,
                        Map<String, Long> tables, List<String> xa) {
        public Shard {
            tables = Map.copyOf(tables);
            xa = List.copyOf(xa);
        }
    }

    public long transactions() {
        return shards.stream().mapToLong(Shard::transactions).sum();
    }

    public long rows() {
        return shards.stream().mapToLong(Shard::rows).sum();
    }
}
