package io.drsp.agent;

import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Endpoint;
import io.drsp.core.config.ShardSpec;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;

/** The MySQL instances of a cluster pair as node keys: every shard's primary on both sites, and DR local replicas. */
public final class Topology {
    private Topology() {
    }

    public static List<NodeKey> nodes(ClusterPair pair) {
        List<NodeKey> keys = new ArrayList<>();
        for (Site site : List.of(Site.PRODUCTION, Site.DR)) {
            for (ShardSpec shard : pair.at(site).shards().values()) {
                keys.add(NodeKey.primary(pair.id(), site, shard.name()));
                for (int r = 1; r <= shard.replicas().size(); r++) {
                    keys.add(new NodeKey(pair.id(), site, shard.name(), r));
                }
            }
        }
        return keys;
    }

    public static Endpoint endpoint(ClusterPair pair, NodeKey key) {
        ShardSpec shard = pair.at(key.site()).shard(key.shard());
        return key.isPrimary() ? shard.primary() : shard.replicas().get(key.member() - 1);
    }
}
