package io.drsp.agent;

import java.util.Optional;

/**
 * The highest takeover epoch an agent has seen for its cluster pair. A command sent under a lower one comes from an
 * owner that has been superseded (paused, or cut off, while another controller took over): it is refused and changes
 * nothing. A higher one raises the mark, so from then on the old owner is refused here too.
 *
 * <p>Kept in memory only, one per pair in an actor system ({@link EpochMarks}): an agent process that restarts
 * forgets it, which is why the controller also checks the journal for a later takeover before each step. Agents of
 * one system admit on their own threads, hence the lock.
 */
final class EpochMark {
    private final String cluster;
    private TakeoverEpoch highest;

    EpochMark(String cluster) {
        this.cluster = cluster;
    }

    /** Empty when {@code sentUnder} is current (the mark rises to it), else the sentence that refuses it. */
    synchronized Optional<String> admit(TakeoverEpoch sentUnder) {
        if (sentUnder == null) {
            return Optional.of("refused: the command carries no takeover epoch, so it cannot be told from one sent by a"
                    + " superseded controller of cluster " + cluster);
        }
        if (highest != null && sentUnder.number() < highest.number()) {
            return Optional.of("refused: sent under takeover epoch " + sentUnder.number() + ", but epoch " + highest.number()
                    + " has taken over cluster " + cluster + " (owner " + highest.owner() + ")");
        }
        if (highest == null || sentUnder.number() > highest.number()) {
            highest = sentUnder;
        }
        return Optional.empty();
    }

    /** The highest epoch seen, or null before the first command under one. */
    synchronized TakeoverEpoch highest() {
        return highest;
    }
}
