package io.drsp.controller;

/**
 * The modes of a pair's production site (DESIGN §4). Production serves until a switchback gives service back to it
 * after the DR cluster served: fenced, rolled back to the DR's recovery point, replicating from DR until it has
 * caught up, then serving again.
 *
 * <p>An enum apart from {@link Mode}: the two sites never share a mode, so no DR rule can ever be asked about a
 * production mode, nor the reverse. Both serialize as their names, so the journal's {@code "SERVICE"} reads back.
 */
public enum ProductionMode {
    /** Applications write to production. */
    SERVICE,
    /** Switchback step 1: production's proxy is stopped and its shards are read-only. */
    FENCED,
    /** Step 2 and 3 (laststamp): every shard flashed back to the recovery point, archived, and purged to it. */
    ROLLED_BACK,
    /** Step 4: production replicates from DR (delay 0) until it holds every DR transaction. */
    CATCHING_UP
}
