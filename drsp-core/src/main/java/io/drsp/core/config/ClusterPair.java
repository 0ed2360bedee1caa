package io.drsp.core.config;

import java.util.Objects;

/**
 * A production cluster and its DR copy, shard for shard: DR shard {@code s1} replicates from production
 * shard {@code s1}.
 *
 * @param adminUser       key of the user drsp administers both clusters with
 * @param replicationUser key of the user the DR links replicate as
 * @param drill           how a drill's end is checked
 * @param service         how the DR cluster leaves service
 */
public record ClusterPair(String id, ClusterSpec production, ClusterSpec dr, String adminUser, String replicationUser,
                          DrillSettings drill, ServiceSettings service) {

    public ClusterPair(String id, ClusterSpec production, ClusterSpec dr, String adminUser, String replicationUser) {
        this(id, production, dr, adminUser, replicationUser, DrillSettings.DEFAULTS);
    }

    public ClusterPair(String id, ClusterSpec production, ClusterSpec dr, String adminUser, String replicationUser,
                       DrillSettings drill) {
        this(id, production, dr, adminUser, replicationUser, drill, ServiceSettings.DEFAULTS);
    }

    public ClusterPair {
        Objects.requireNonNull(drill, "drill");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(adminUser, "adminUser");
        Objects.requireNonNull(replicationUser, "replicationUser");
        if (production.site() != Site.PRODUCTION || dr.site() != Site.DR) {
            throw new IllegalArgumentException("cluster " + id + " must pair a production cluster with a DR cluster");
        }
        if (!production.shards().keySet().equals(dr.shards().keySet()) || !production.shards().containsKey(ShardSpec.META)) {
            throw new IllegalArgumentException("cluster " + id + " must have the same shards, meta included, at both sites");
        }
    }

    public ClusterSpec at(Site site) {
        return site == Site.PRODUCTION ? production : dr;
    }
}
