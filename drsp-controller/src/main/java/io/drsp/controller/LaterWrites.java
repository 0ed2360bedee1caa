package io.drsp.controller;

import java.util.List;

/**
 * What the journal holds for a pair beyond what this entity wrote, as read from the control database. Any event
 * there was written by another owner: it can only have written after journaling its own takeover, which takes the
 * sequence number after ours, so this entity is superseded. {@code takeover} names the newest one found.
 *
 * @param beyond   events with a sequence number above {@code writtenUpTo}
 * @param takeover the newest {@link PairEvent.OwnerTookOver} among them, or null
 */
record LaterWrites(long writtenUpTo, long beyond, PairEvent.OwnerTookOver takeover) {

    /** One journal row after the one a check started from. */
    record Row(long sequenceNr, PairEvent.OwnerTookOver takeover) {
    }

    /**
     * The rows a check read (all after the sequence number it started from), judged against what this entity has
     * written by the time the answer arrives: rows up to {@code writtenUpTo} are its own later writes.
     */
    static LaterWrites judge(List<Row> rows, long writtenUpTo) {
        List<Row> others = rows.stream().filter(r -> r.sequenceNr() > writtenUpTo).toList();
        PairEvent.OwnerTookOver newest = null;
        for (Row r : others) {
            if (r.takeover() != null && (newest == null || r.takeover().epoch() > newest.epoch())) {
                newest = r.takeover();
            }
        }
        return new LaterWrites(writtenUpTo, others.size(), newest);
    }

    boolean superseded() {
        return beyond > 0;
    }

    /** Who took over, as far as the rows read say. */
    String describeOwner() {
        return takeover == null ? "a later owner (" + beyond + " events journaled after this controller's last one)"
                : "a later owner (epoch " + takeover.epoch() + ", " + takeover.owner() + ")";
    }
}
