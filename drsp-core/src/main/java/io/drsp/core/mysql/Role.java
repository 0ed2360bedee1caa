package io.drsp.core.mysql;

/** What a MySQL instance is to drsp, which decides the server settings it must have. */
public enum Role {
    /** A production shard primary or replica: the source of the binlog drsp replicates and flashes back. */
    PRODUCTION_SHARD,
    /** A DR shard primary or replica: replicates from production and must log what it applies. */
    DR_SHARD
}
