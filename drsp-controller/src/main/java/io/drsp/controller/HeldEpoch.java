package io.drsp.controller;

/**
 * The epoch a pair's entity took the pair over under, kept across the restarts its supervisor makes after a failure.
 * A restart is not a takeover: if another controller journaled a takeover since, its journal writes failing is the
 * sign (the sequence numbers it meant to write are taken), and taking the pair back would put two controllers on
 * it. Only a fresh start of the entity (a new controller process, later a new shard home) takes over anew.
 */
final class HeldEpoch {
    private volatile long epoch;

    /** 0 before this entity first took the pair over. */
    long epoch() {
        return epoch;
    }

    void held(long taken) {
        epoch = taken;
    }
}
