package io.drsp.controller;

import io.drsp.agent.NodeInspection;
import io.drsp.core.gtid.GtidSet;

/**
 * The two ways a DR shard can no longer follow its production shard, checked before a link is touched: transactions
 * only DR has (errant GTIDs: replication would carry on around them and the copies would differ for good), and
 * transactions production has purged from its binary log before DR received them (the link would stop with 1236).
 */
final class Divergence {
    private Divergence() {
    }

    /** A sentence naming the problem, or null when DR can follow production. */
    static String check(String shard, NodeInspection dr, NodeInspection production) {
        if (!dr.reachable() || !production.reachable()) {
            return null; // reported as unreachable already
        }
        GtidSet drExecuted = GtidSet.parse(dr.gtidExecuted());
        GtidSet errant = drExecuted.subtract(GtidSet.parse(production.gtidExecuted()));
        if (!errant.isEmpty()) {
            return "dr shard " + shard + " has transactions production does not (errant GTIDs " + errant.toCompactString()
                    + "); syncing would keep them and the copies would diverge: flash them back or rebuild the DR shard";
        }
        GtidSet received = dr.link() == null ? drExecuted : drExecuted.union(GtidSet.parse(dr.link().retrievedGtids()));
        GtidSet lost = GtidSet.parse(production.gtidPurged()).subtract(received);
        if (!lost.isEmpty()) {
            return "production shard " + shard + " has purged binary logs holding transactions dr shard " + shard
                    + " never received (" + lost.toCompactString() + "); rebuild the DR shard from a backup";
        }
        return null;
    }
}
