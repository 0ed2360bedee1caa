package io.drsp.flashback;

import io.drsp.core.gtid.GtidSet;

/**
 * Applying stopped part way. The transaction that failed was rolled back; those in {@code reversed} are undone
 * and committed; {@code remaining} are the selected ones not undone yet (older than the failed one, and it).
 * Rerunning with {@code Selection.Only(remaining)} continues where this stopped once the cause is fixed.
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
