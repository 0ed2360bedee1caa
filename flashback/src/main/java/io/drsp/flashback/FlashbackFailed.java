package io.drsp.flashback;

import io.drsp.core.gtid.GtidSet;

/**
 * Applying stopped part way. The transaction that failed was rolled back; those in {@code reversed} are undone
 * and committed; {@code remaining} are the selected ones not undone yet: the failed one, every one that had to
 * wait for it, and, with parallel apply, others that had not started yet (so {@code reversed} need not be the
 * newest ones). Every committed one had already been applied after each remaining one it conflicts with had to
 * be, so rerunning with {@code Selection.Only(remaining)} continues exactly where this stopped once the cause is fixed.
 */
public final class FlashbackFailed extends Exception {
    private final String failedGtid;
    private final GtidSet reversed;
    private final GtidSet remaining;

    public FlashbackFailed(String failedGtid, GtidSet reversed, GtidSet remaining, String reason, Throwable cause) {
        super("flashback stopped at the reverse of " + failedGtid + ": " + reason + ". That transaction was rolled back; "
                + (reversed.isEmpty() ? "nothing was undone" : "already undone and committed: " + reversed.toCompactString())
                + "; still to undo: " + remaining.toCompactString(), cause);
        this.failedGtid = failedGtid;
        this.reversed = reversed;
        this.remaining = remaining;
    }

    public String failedGtid() {
        return failedGtid;
    }

    public GtidSet reversed() {
        return reversed;
    }

    public GtidSet remaining() {
        return remaining;
    }
}
