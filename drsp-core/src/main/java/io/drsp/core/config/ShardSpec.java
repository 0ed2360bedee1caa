package io.drsp.core.config;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * One shard of a cluster at one site.
 *
 * @param replicas the primary's local replicas, which must replay whatever drsp does on the primary
 */
public record ShardSpec(String name, Endpoint primary, List<Endpoint> replicas) {

    /** The shard holding the cluster's own metadata; every cluster has one. */
    public static final String META = "meta";

    public ShardSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(primary, "primary");
        replicas = List.copyOf(replicas);
    }

    /** Primary first, then replicas. */
    public List<Endpoint> members() {
        return Stream.concat(Stream.of(primary), replicas.stream()).toList();
    }
}
