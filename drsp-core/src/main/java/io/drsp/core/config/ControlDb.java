package io.drsp.core.config;

import java.util.Objects;

/**
 * The DR site's control database, where the controller journals every step. It is a MySQL instance of
 * its own, never a replicated shard, because shards are read-only while in sync.
 *
 * @param user key of a user under {@code drsp.users}
 */
public record ControlDb(Endpoint endpoint, String database, String user) {
    public ControlDb {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
    }
}
