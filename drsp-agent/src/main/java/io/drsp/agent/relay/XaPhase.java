package io.drsp.agent.relay;

/**
 * Which XA statement a relay-log transaction carries. Each of these is its own GTID: a prepared branch and its later
 * {@code XA COMMIT} / {@code XA ROLLBACK} are two transactions, which is why recovery can leave a branch in doubt.
 */
public enum XaPhase {
    /** {@code XA PREPARE}: the branch's changes, prepared but not yet decided. */
    PREPARE,
    /** {@code XA COMMIT xid} of a branch prepared earlier (no row changes of its own). */
    COMMIT,
    /** {@code XA ROLLBACK xid} of a branch prepared earlier. */
    ROLLBACK,
    /** {@code XA COMMIT xid ONE PHASE}: changes and commit in one transaction, never in doubt. */
    ONE_PHASE
}
