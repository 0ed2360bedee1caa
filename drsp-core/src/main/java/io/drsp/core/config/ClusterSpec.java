package io.drsp.core.config;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A sharded cluster at one site. Shards iterate in a stable order, {@code meta} first and then by
 * name, so plans, status and logs list them the same way every time.
 */
public record ClusterSpec(Site site, Map<String, ShardSpec> shards) {

    static final Comparator<String> SHARD_ORDER = Comparator
            .comparing((String name) -> !name.equals(ShardSpec.META))
            .thenComparing(Comparator.naturalOrder());

    public ClusterSpec {
        Objects.requireNonNull(site, "site");
        Map<String, ShardSpec> ordered = new LinkedHashMap<>();
        for (String name : shards.keySet().stream().sorted(SHARD_ORDER).toList()) {
            ShardSpec shard = shards.get(name);
            if (!shard.name().equals(name)) {
                throw new IllegalArgumentException("shard \"" + shard.name() + "\" is filed under \"" + name + "\"");
            }
            ordered.put(name, shard);
        }
        shards = Collections.unmodifiableMap(ordered);
    }

    /** @throws IllegalArgumentException naming the known shards */
    public ShardSpec shard(String name) {
        ShardSpec shard = shards.get(name);
        if (shard == null) {
            throw new IllegalArgumentException("cluster has no shard \"" + name + "\" at site " + site.configKey()
                    + ", expected one of " + String.join(", ", shards.keySet()));
        }
        return shard;
    }
}
